using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Summarizer.TestSupport;

/// <summary>
/// A real <c>redis-server</c> (the Debian package) on a free loopback port, in its own temporary directory, stopped
/// and removed on dispose. Persistence (AOF) can be turned on to test restarts; <see cref="RedisServerSecurity"/>
/// turns on a password (<c>requirepass</c>), an ACL user (the default user then disabled) and TLS only (no plain port).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(string directory, int port, bool persistent, RedisServerSecurity? security)
    {
        Directory = directory;
        Port = port;
        Persistent = persistent;
        Security = security;
    }

    /// <summary>Credentials and TLS the server requires, if any.</summary>
    public RedisServerSecurity? Security { get; }

    /// <summary>Working directory (AOF and dump files).</summary>
    public string Directory { get; }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>Whether append-only persistence is on.</summary>
    public bool Persistent { get; }

    /// <summary>StackExchange.Redis connection string: the endpoint and timeouts, never credentials or TLS.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=5000";

    /// <summary>Starts a server and waits until it answers.</summary>
    public static async Task<RedisServer> StartAsync(bool persistent = false, RedisServerSecurity? security = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "summarizer-tests", "redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var server = new RedisServer(dir, FreePort(), persistent, security);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>(Re)starts the server process on the same port and directory.</summary>
    public async Task StartAgainAsync()
    {
        var exe = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args = ["--bind", "127.0.0.1", "--dir", Directory, "--save", "", "--appendonly", Persistent ? "yes" : "no", "--appendfsync", "always",
            "--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning"];
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var a in SecurityArguments()) info.ArgumentList.Add(a);
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} (is the redis-server package installed?).");
            try
            {
                if (await PingAsync()) return;
            }
            catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"redis-server did not answer on port {Port} within 15 s.");
    }

    private IEnumerable<string> SecurityArguments()
    {
        var s = Security;
        if (s?.Tls is { } tls)
        {
            yield return "--port"; yield return "0";
            yield return "--tls-port"; yield return Port.ToString();
            yield return "--tls-cert-file"; yield return tls.ServerCertFile;
            yield return "--tls-key-file"; yield return tls.ServerKeyFile;
            yield return "--tls-ca-cert-file"; yield return tls.CaFile;
            yield return "--tls-auth-clients"; yield return s.RequireClientCertificate ? "yes" : "no";
        }
        else
        {
            yield return "--port"; yield return Port.ToString();
        }
        if (s?.Password is null) yield break;
        if (s.User is null)
        {
            yield return "--requirepass"; yield return s.Password;
            yield break;
        }
        // The default user is switched off: only the named ACL user with its password gets in.
        yield return "--user"; yield return "default"; yield return "off";
        yield return "--user"; yield return s.User; yield return "on"; yield return ">" + s.Password;
        yield return "~*"; yield return "&*"; yield return "+@all";
    }

    /// <summary>Connects as a client would (TLS, then AUTH when configured) and sends PING; true on PONG.</summary>
    private async Task<bool> PingAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        Stream stream = client.GetStream();
        if (Security?.Tls is { } tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
            var options = new SslClientAuthenticationOptions { TargetHost = "localhost" };
            if (Security.RequireClientCertificate)
            {
                using var pem = X509Certificate2.CreateFromPemFile(tls.ClientCertFile, tls.ClientKeyFile);
                options.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
            }
            await ssl.AuthenticateAsClientAsync(options);
            stream = ssl;
        }
        await using (stream)
        {
            var command = new StringBuilder();
            int replies = 1;
            if (Security?.Password is { } password)
            {
                string[] auth = Security.User is { } user ? ["AUTH", user, password] : ["AUTH", password];
                command.Append('*').Append(auth.Length).Append("\r\n");
                foreach (var part in auth) command.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
                replies++;
            }
            command.Append("PING\r\n");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()));
            var received = new StringBuilder();
            var buffer = new byte[256];
            while (received.ToString().Split("\r\n").Length <= replies)
            {
                int n = await stream.ReadAsync(buffer);
                if (n == 0) return false;
                received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
            return received.ToString().Contains("+PONG", StringComparison.Ordinal);
        }
    }

    /// <summary>Stops the server process (SIGKILL when <paramref name="kill"/>), keeping its files.</summary>
    public async Task StopAsync(bool kill = false)
    {
        if (_process is null || _process.HasExited) return;
        if (kill) _process.Kill(entireProcessTree: true);
        else Process.Start("kill", $"-TERM {_process.Id}")?.WaitForExit();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        _process.Dispose();
        _process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(kill: true); } catch (Exception) { }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>A currently free TCP port on loopback.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What a test <see cref="RedisServer"/> requires of its clients.</summary>
/// <param name="Password">The password (<c>requirepass</c>, or the ACL user's when <paramref name="User"/> is set).</param>
/// <param name="User">An ACL user; the default user is then disabled.</param>
/// <param name="Tls">Serve TLS only, with these certificates.</param>
/// <param name="RequireClientCertificate">With TLS, require a client certificate issued by the CA.</param>
public sealed record RedisServerSecurity(string? Password = null, string? User = null, TestCertificates? Tls = null, bool RequireClientCertificate = false);
