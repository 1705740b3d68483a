using System.Diagnostics;
using System.Reflection;
using Summarizer.TestSupport;

namespace Summarizer.Cluster.Tests;

/// <summary>
/// Three silo processes and a redis-server on loopback, started and stopped with <c>scripts/cluster.sh</c>, exactly
/// as a newcomer would. Ports are chosen per run; every process is stopped on dispose.
/// </summary>
public sealed class ProcessCluster : IAsyncLifetime
{
    private static readonly Random Ports = new();

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "summarizer-cluster-" + Guid.NewGuid().ToString("N")[..8]);

    public int Silos => 3;

    // Below Linux's ephemeral range (32768-60999): the other test assemblies' outgoing connections, running at the
    // same time, take their local ports from there, and one took a silo's port before it bound (AddressInUse in CI).
    public int HttpBase { get; } = 20000 + Ports.Next(0, 400) * 10;

    public int SiloBase { get; } = 24000 + Ports.Next(0, 400) * 10;

    public int GatewayBase { get; } = 28000 + Ports.Next(0, 400) * 10;

    public int RedisPort { get; } = RedisServer.FreePort();

    /// <summary>Extra settings (environment variables) every silo of this cluster is started with.</summary>
    public Dictionary<string, string> Settings { get; } = [];

    public static string RepoRoot => Path.GetFullPath(Meta("RepoRoot"));

    public HttpClient Http(int silo) => new() { BaseAddress = new Uri($"http://127.0.0.1:{HttpBase + silo}"), Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>
    /// Which silo (1-based) an Orleans silo identity such as <c>S127.0.0.1:44011:123</c> (a job's silo) or
    /// <c>127.0.0.1:44011@123</c> (a diagnostics row's silo) names.
    /// </summary>
    public int SiloOf(string identity) => int.Parse(identity.Split(':')[1].Split('@')[0]) - SiloBase;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        await RunAsync("up");
    }

    public async Task DisposeAsync()
    {
        try { await RunAsync("down"); }
        finally
        {
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Runs <c>scripts/cluster.sh</c> with this cluster's settings.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(RepoRoot, "scripts", "cluster.sh"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
        };
        psi.Environment["CLUSTER_DIR"] = Dir;
        psi.Environment["SILOS"] = Silos.ToString();
        psi.Environment["REDIS_PORT"] = RedisPort.ToString();
        psi.Environment["HTTP_BASE"] = HttpBase.ToString();
        psi.Environment["SILO_BASE"] = SiloBase.ToString();
        psi.Environment["GATEWAY_BASE"] = GatewayBase.ToString();
        psi.Environment["MODEL_DIR"] = TinyCheckpoint.Directory;
        psi.Environment["CONFIGURATION"] = Meta("Configuration");
        psi.Environment["SERVICE_ID"] = "cluster-test-" + Path.GetFileName(Dir);
        foreach (var (key, value) in Settings) psi.Environment[key] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr} {await stdout}\n{Logs()}");
        return await stdout;
    }

    /// <summary>The lines of every silo log from each one holding <paramref name="needle"/> (a correlation id), for failure messages.</summary>
    public string LogsAround(string needle, int lines = 40) => string.Join("\n", Directory.Exists(Path.Combine(Dir, "logs"))
        ? Directory.GetFiles(Path.Combine(Dir, "logs")).SelectMany(f =>
        {
            var all = File.ReadAllLines(f);
            return all.Select((line, i) => (line, i)).Where(x => x.line.Contains(needle, StringComparison.Ordinal))
                .Select(x => $"== {Path.GetFileName(f)}:{x.i + 1}\n{string.Join("\n", all.Skip(Math.Max(0, x.i - 5)).Take(lines))}");
        })
        : []);

    /// <summary>The tail of every silo log, for failure messages.</summary>
    public string Logs() => string.Join("\n", Directory.Exists(Path.Combine(Dir, "logs"))
        ? Directory.GetFiles(Path.Combine(Dir, "logs")).Select(f => $"== {Path.GetFileName(f)}\n{string.Join("\n", File.ReadLines(f).TakeLast(15))}")
        : []);

    private static string Meta(string key) =>
        typeof(ProcessCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
