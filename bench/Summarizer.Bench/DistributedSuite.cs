using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;

namespace Summarizer.Bench;

/// <summary>
/// Silo processes and a redis-server on loopback, driven through <c>scripts/cluster.sh</c> on free ports under a temp
/// CLUSTER_DIR. <see cref="Down"/> runs on dispose, on Ctrl-C, on SIGTERM and at process exit, so no silo outlives
/// the bench.
/// </summary>
public sealed class LoopbackCluster : IAsyncDisposable
{
    private static readonly List<LoopbackCluster> Live = [];
    private static bool _hooked;
    private readonly string _root;
    private readonly Dictionary<string, string> _env;
    private int _down;

    private LoopbackCluster(string root, string modelDir, int shardLength)
    {
        _root = root;
        Dir = Path.Combine(Path.GetTempPath(), "summarizer-bench-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Dir);
        var used = new HashSet<int>();
        RedisPort = RedisServer.FreePort();
        used.Add(RedisPort);
        HttpBase = FreeBlock(used);
        SiloBase = FreeBlock(used);
        GatewayBase = FreeBlock(used);
        _env = new()
        {
            ["CLUSTER_DIR"] = Dir,
            ["REDIS_PORT"] = RedisPort.ToString(CultureInfo.InvariantCulture),
            ["HTTP_BASE"] = HttpBase.ToString(CultureInfo.InvariantCulture),
            ["SILO_BASE"] = SiloBase.ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_BASE"] = GatewayBase.ToString(CultureInfo.InvariantCulture),
            ["MODEL_DIR"] = modelDir,
            ["SHARD_LENGTH"] = shardLength.ToString(CultureInfo.InvariantCulture),
            ["CONFIGURATION"] = "Release",
            ["SERVICE_ID"] = "bench-" + Path.GetFileName(Dir),
            ["ALLOW_ANONYMOUS"] = "true",
            // Encoding an 8K-token document with bart-base on a busy 2-core machine outlasts the script's 15 s
            // grain-call timeout, which would fail the job that waits for it.
            ["RESPONSE_TIMEOUT"] = "00:05:00",
            // Every silo, the lone in-process one included, gets the share of the cores a silo of the 3-silo cluster
            // gets, so the comparison differs only in the cluster (cluster.sh would give a lone silo every core).
            ["TORCH_THREADS"] = Math.Max(1, Environment.ProcessorCount / 3).ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The cluster's directory (logs, Redis data, pid files); deleted on <see cref="Down"/>.</summary>
    public string Dir { get; }

    /// <summary>Redis port.</summary>
    public int RedisPort { get; }

    /// <summary>Silo i (1-based) serves HTTP on <c>HttpBase + i</c>.</summary>
    public int HttpBase { get; }

    /// <summary>Silo i's Orleans silo port is <c>SiloBase + i</c>.</summary>
    public int SiloBase { get; }

    /// <summary>Gateway port base.</summary>
    public int GatewayBase { get; }

    /// <summary>Starts Redis and <paramref name="silos"/> silos with <c>cluster.sh up</c>.</summary>
    public static async Task<LoopbackCluster> UpAsync(string root, string modelDir, int shardLength, int silos)
    {
        var cluster = new LoopbackCluster(root, modelDir, shardLength);
        lock (Live)
        {
            Live.Add(cluster);
            if (!_hooked)
            {
                _hooked = true;
                Console.CancelKeyPress += (_, _) => DownAll();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => DownAll();
                // Kept alive for the process's lifetime: disposing it would unregister the handler.
                _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => DownAll());
            }
        }
        try
        {
            await cluster.RunAsync(new() { ["SILOS"] = silos.ToString(CultureInfo.InvariantCulture) }, "up");
        }
        catch
        {
            cluster.Down();
            throw;
        }
        return cluster;
    }

    private static PosixSignalRegistration? _sigterm;

    /// <summary>Starts silo <paramref name="i"/> (joining the running cluster) and waits for it to be ready.</summary>
    public Task StartSiloAsync(int i) => RunAsync([], "start", i.ToString(CultureInfo.InvariantCulture));

    /// <summary>A client of silo <paramref name="i"/>'s HTTP API.</summary>
    public HttpClient Http(int i) => new() { BaseAddress = new Uri($"http://127.0.0.1:{HttpBase + i}"), Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>Which silo (1-based) an Orleans identity such as <c>S127.0.0.1:44011:123</c> names.</summary>
    public int SiloOf(string identity) =>
        int.TryParse(identity.Split(':')[1], CultureInfo.InvariantCulture, out int port) ? port - SiloBase : -1;

    /// <summary>The tail of every log, for failure messages.</summary>
    public string Logs() => Directory.Exists(Path.Combine(Dir, "logs"))
        ? string.Join("\n", Directory.GetFiles(Path.Combine(Dir, "logs")).Order(StringComparer.Ordinal)
            .Select(f => $"== {Path.GetFileName(f)}\n{string.Join("\n", File.ReadLines(f).TakeLast(15))}"))
        : "";

    /// <summary>Stops every process (<c>cluster.sh down</c>) and deletes the directory; idempotent.</summary>
    public void Down()
    {
        if (Interlocked.Exchange(ref _down, 1) == 1) return;
        try
        {
            using var process = Process.Start(Psi([], "down"))!;
            if (!process.WaitForExit(30_000)) process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"cluster.sh down failed: {e.Message}; processes may remain (pid files in {Dir})");
            return;
        }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        lock (Live) Live.Remove(this);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Down();
        return ValueTask.CompletedTask;
    }

    private static void DownAll()
    {
        LoopbackCluster[] live;
        lock (Live) live = [.. Live];
        foreach (var c in live) c.Down();
    }

    private ProcessStartInfo Psi(Dictionary<string, string> extra, params string[] args)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(_root, "scripts", "cluster.sh"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _root,
        };
        foreach (var (k, v) in _env) psi.Environment[k] = v;
        foreach (var (k, v) in extra) psi.Environment[k] = v;
        return psi;
    }

    private async Task RunAsync(Dictionary<string, string> extra, params string[] args)
    {
        using var process = Process.Start(Psi(extra, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr} {await stdout}\n{Logs()}");
    }

    /// <summary>A base b such that b+1..b+3 are free loopback ports, none in <paramref name="used"/>.</summary>
    private static int FreeBlock(HashSet<int> used)
    {
        var rng = new Random();
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int b = 40000 + rng.Next(0, 2000) * 10;
            var ports = Enumerable.Range(b + 1, 4).ToArray(); // silos 1..3, and a 4th for margin
            if (ports.Any(used.Contains) || !ports.All(IsFree)) continue;
            foreach (var p in ports) used.Add(p);
            return b;
        }
        throw new InvalidOperationException("no free block of loopback ports found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>6. Distributed overhead: one job's decode throughput on one silo process vs the 3-silo loopback cluster.</summary>
public static class DistributedSuite
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One finished job, as its statistics report it.</summary>
    private sealed record Run(double TokensPerSecond, double TtftMs, double EncodeMs, double DecodeMs, int Tokens, double RoundTripsPerToken,
        double BytesPerToken, double CrossAttentionShare, int ShardSilos, long EncoderRuns, int SourceTokens, int ShardCount, string DecodeMode,
        int JobSilo, double WallMs);

    /// <summary>
    /// Runs the suite. <paramref name="modelName"/> is <c>bart-base</c> (default) or <c>tiny</c>: random checkpoints
    /// with the tokenizer trained on the shared training meetings.
    /// </summary>
    public static async Task RunAsync(ResultSet results, bool quick, string modelName)
    {
        var preset = RandomCheckpoint.ParsePreset(modelName);
        bool tiny = preset == RandomCheckpoint.Preset.Tiny;
        int newTokens = quick ? 32 : 64, repeats = quick ? 3 : 5;
        int shardLength = tiny ? 256 : 1024;
        var root = RepoRoot();
        var setup = Stopwatch.StartNew();
        var (modelDir, cached) = Checkpoint(preset);
        var tokenizer = BartTokenizer.Load(modelDir);
        // A real meeting transcript of 8K+ tokens: the shortest QMSum dev meeting that reaches it.
        var document = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"))
            .Where(d => d.Source == "qmsum" && d.Words >= 6000).OrderBy(d => d.Words)
            .Select(d => (Doc: d, Tokens: tokenizer.Encode(d.Document, addSpecialTokens: false).Count))
            .First(d => d.Tokens >= 8192);
        Console.WriteLine($"[distributed] {modelName} checkpoint ({(cached ? "cached" : "created")} in {setup.Elapsed.TotalSeconds:F0} s), document {document.Doc.Id} ({document.Tokens} tokens), {newTokens} greedy tokens (EOS suppressed), {repeats} repeats per mode");

        var baseParams = new Dictionary<string, object>
        {
            ["model"] = modelName,
            ["doc"] = document.Doc.Id,
            ["source_tokens"] = document.Tokens,
            ["shard_length"] = shardLength,
            ["new_tokens"] = newTokens,
            ["beams"] = 1,
            ["repeats"] = repeats,
        };

        // (a) Baseline: the same silo program as one process, with the same Redis clustering, grain state and K/V
        // store, local decode. Its first job encodes the document into Redis; the cluster below then grows from it
        // (silos 2 and 3 join the same Redis), so no mode re-encodes and every mode reads the same stored shards.
        var clock = Stopwatch.StartNew();
        await using var cluster = await LoopbackCluster.UpAsync(root, modelDir, shardLength, silos: 1);
        Console.WriteLine($"  1 silo up in {clock.Elapsed.TotalSeconds:F0} s (Redis {cluster.RedisPort}, HTTP {cluster.HttpBase + 1})");
        try
        {
            var text = document.Doc.Document;
            var encode = await JobAsync(cluster, 1, text, "local", newTokens);
            if (encode.EncoderRuns == 0) throw new InvalidOperationException("the first job did not encode the document");
            var p = new Dictionary<string, object>(baseParams) { ["shards"] = encode.ShardCount, ["encoder_runs"] = encode.EncoderRuns, ["silos"] = 1 };
            results.Add(new Result("distributed", "distributed.encode_ms", encode.EncodeMs, "ms", p));
            Console.WriteLine($"  encoded {encode.SourceTokens} tokens into {encode.ShardCount} shards in {encode.EncodeMs / 1000:F1} s");

            var modes = new List<(string Mode, string Decode, int Silos, List<Run> Runs)>();
            modes.Add(("in-process", "local", 1, await MeasureAsync(cluster, 1, text, "local", newTokens, repeats, warmups: 1)));

            clock.Restart();
            await cluster.StartSiloAsync(2);
            await cluster.StartSiloAsync(3);
            // Let membership settle everywhere, so hash-based placement of shard grains sees all three silos.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Console.WriteLine($"  silos 2 and 3 joined in {clock.Elapsed.TotalSeconds:F0} s");
            // One warm-up per silo: placement picks the job's silo, and each silo's first decode pays its own JIT
            // and (local mode) pulls the shards from Redis into its memory cache.
            modes.Add(("cluster-local", "local", 3, await MeasureAsync(cluster, 3, text, "local", newTokens, repeats, warmups: 3)));
            modes.Add(("cluster-distributed", "distributed", 3, await MeasureAsync(cluster, 3, text, "distributed", newTokens, repeats, warmups: 3)));

            double baseline = double.NaN;
            foreach (var (mode, decode, silos, runs) in modes)
            {
                var mp = new Dictionary<string, object>(baseParams)
                {
                    ["mode"] = mode,
                    ["decode_mode"] = decode,
                    ["silos"] = silos,
                    ["shards"] = runs[0].ShardCount,
                    ["tokens"] = runs[0].Tokens,
                    ["job_silos"] = string.Join("/", runs.Select(r => r.JobSilo)),
                };
                if (decode == "distributed") mp["shard_silos"] = runs.Max(r => r.ShardSilos);
                if (mode == "in-process") mp["baseline"] = "one silo process (same program, Redis clustering, grain state and K/V), local decode";
                double tps = Timing.Median(runs.Select(r => r.TokensPerSecond));
                if (mode == "in-process")
                {
                    baseline = tps;
                    results.Add(new Result("distributed", "distributed.tokens_per_s", tps, "tokens/s", mp));
                }
                else
                {
                    results.Add(new Result("distributed", "distributed.tokens_per_s", tps, "tokens/s", mp, baseline, tps / baseline, "in-process"));
                }
                results.Add(new Result("distributed", "distributed.ttft_ms", Timing.Median(runs.Select(r => r.TtftMs)), "ms", new(mp)));
                results.Add(new Result("distributed", "distributed.crossattn_share", Timing.Median(runs.Select(r => r.CrossAttentionShare)), "fraction", new(mp)));
                results.Add(new Result("distributed", "distributed.shard_load_ms", Timing.Median(runs.Select(r => r.EncodeMs)), "ms", new(mp)));
                results.Add(new Result("distributed", "distributed.job_wall_ms", Timing.Median(runs.Select(r => r.WallMs)), "ms", new(mp)));
                if (decode == "distributed")
                {
                    results.Add(new Result("distributed", "distributed.round_trips_per_token", Timing.Median(runs.Select(r => r.RoundTripsPerToken)), "calls/token", new(mp)));
                    results.Add(new Result("distributed", "distributed.bytes_per_token", Timing.Median(runs.Select(r => r.BytesPerToken)), "B/token", new(mp)));
                }
            }
            Plots.Bars(results, "distributed.tokens_per_s", "mode", $"One job's decode tokens/s ({modelName}, {document.Tokens:N0}-token source)",
                "tokens/s", "distributed_tokens_per_s.png", (0.7 * baseline, "goal: 0.7× in-process"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{e.Message}\n{cluster.Logs()}", e);
        }
    }

    private static async Task<List<Run>> MeasureAsync(LoopbackCluster cluster, int silos, string text, string mode, int newTokens, int repeats, int warmups)
    {
        var runs = new List<Run>();
        for (int i = 0; i < warmups + repeats; i++)
        {
            // Submissions rotate over the silos' HTTP endpoints, as a load balancer would spread them.
            var run = await JobAsync(cluster, 1 + i % silos, text, mode, newTokens);
            if (run.DecodeMode != mode) throw new InvalidOperationException($"asked for {mode} decode, the job reports {run.DecodeMode}");
            if (run.EncoderRuns != 0) throw new InvalidOperationException($"a {mode} job re-encoded {run.EncoderRuns} shards");
            Console.WriteLine($"    {mode} on {silos} silo(s){(i < warmups ? " (warm-up)" : "")}: job silo {run.JobSilo}, {run.Tokens} tokens, {run.TokensPerSecond:F1} tokens/s, TTFT {run.TtftMs:F0} ms, load {run.EncodeMs:F0} ms"
                + (mode == "distributed" ? $", {run.RoundTripsPerToken:F1} calls/token, {run.BytesPerToken / 1024:F1} KiB/token, shard silos {run.ShardSilos}" : ""));
            if (i >= warmups) runs.Add(run);
        }
        return runs;
    }

    /// <summary>Submits the document over HTTP, follows its event stream to the end, and reads the finished job.</summary>
    private static async Task<Run> JobAsync(LoopbackCluster cluster, int silo, string text, string mode, int newTokens)
    {
        using var http = cluster.Http(silo);
        var wall = Stopwatch.StartNew();
        var body = new
        {
            text,
            options = new { maxNewTokens = newTokens, minNewTokens = newTokens, beams = 1, noRepeatNgramSize = 0, decodeMode = mode },
        };
        using var response = await http.PostAsJsonAsync("/v1/summaries", body);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"POST /v1/summaries: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{id}/events"))
        using (var events = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            events.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null)
                if (line is "event: done" or "event: error") break;
        }
        double wallMs = wall.Elapsed.TotalMilliseconds;

        var job = await http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
        var status = job.GetProperty("status").ToString();
        if (!string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"job {id} ({mode}) ended {status}: {(job.TryGetProperty("error", out var err) ? err.ToString() : "")}");
        var s = job.GetProperty("statistics");
        double D(string name) => s.GetProperty(name).GetDouble();
        return new Run(D("tokensPerSecond"), D("timeToFirstTokenMs"), D("encodeMs"), D("decodeMs"), s.GetProperty("tokens").GetInt32(),
            D("roundTripsPerToken"), D("bytesPerToken"), D("crossAttentionShare"), s.GetProperty("shardSilos").GetInt32(),
            s.GetProperty("encoderRuns").GetInt64(), s.GetProperty("sourceTokens").GetInt32(), s.GetProperty("shardCount").GetInt32(),
            s.GetProperty("decodeMode").GetString() ?? "", cluster.SiloOf(job.GetProperty("silo").GetString() ?? ""), wallMs);
    }

    /// <summary>
    /// The random checkpoint with a tokenizer trained on the shared training meetings: the tests' tiny one, or a
    /// bart-base-shaped one written once under the temp directory and reused by later runs.
    /// </summary>
    private static (string Dir, bool Cached) Checkpoint(RandomCheckpoint.Preset preset)
    {
        if (preset == RandomCheckpoint.Preset.Tiny) return (TinyCheckpoint.Directory, false);
        var dir = Path.Combine(Path.GetTempPath(), "summarizer-bench", "bart-base-random-seed1");
        if (File.Exists(Path.Combine(dir, "config.json")) && File.Exists(Path.Combine(dir, "model.safetensors"))) return (dir, true);
        var corpus = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "train.jsonl.gz")).Take(40).Select(d => d.Document);
        RandomCheckpoint.Write(dir, preset, seed: 1, corpus);
        return (dir, false);
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "cluster.sh"))) return d.FullName;
        throw new DirectoryNotFoundException("scripts/cluster.sh not found above " + AppContext.BaseDirectory);
    }
}
