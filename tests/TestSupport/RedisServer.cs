using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Summarizer.TestSupport;

/// <summary>
/// A real <c>redis-server</c> (the Debian package) on a free loopback port, in its own temporary directory, stopped
/// and removed on dispose. Persistence (AOF) can be turned on to test restarts.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(string directory, int port, bool persistent)
    {
        Directory = directory;
        Port = port;
        Persistent = persistent;
    }

    /// <summary>Working directory (AOF and dump files).</summary>
    public string Directory { get; }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>Whether append-only persistence is on.</summary>
    public bool Persistent { get; }

    /// <summary>StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=5000";

    /// <summary>Starts a server and waits until it answers.</summary>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "summarizer-tests", "redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var server = new RedisServer(dir, FreePort(), persistent);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>(Re)starts the server process on the same port and directory.</summary>
    public async Task StartAgainAsync()
    {
        var exe = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        var args = $"--port {Port} --bind 127.0.0.1 --dir {Directory} --save \"\" --appendonly {(Persistent ? "yes" : "no")} --appendfsync always --protected-mode yes --daemonize no --loglevel warning";
        _process = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("redis-server did not start.");
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
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                int n = await stream.ReadAsync(buffer);
                if (n > 0 && buffer[0] == (byte)'+') return;
            }
            catch (SocketException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"redis-server did not answer on port {Port} within 15 s.");
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
