namespace Summarizer.Grains.Hosting;

/// <summary>
/// Silo settings, bound from the <c>Summarizer</c> configuration section (appsettings or environment variables such as
/// <c>Summarizer__ModelDirectory</c>). Defaults need nothing external: localhost clustering, in-memory stores.
/// </summary>
public sealed class SummarizerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Summarizer";

    /// <summary>Hugging Face checkpoint directory. Comes only from configuration, never from a request.</summary>
    public string? ModelDirectory { get; set; }

    /// <summary><c>cpu</c> (default) or <c>cuda</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Default encoder window length; null is the model's <c>max_position_embeddings</c>.</summary>
    public int? ShardLength { get; set; }

    /// <summary>Default window overlap; null is an eighth of the window, at most 64 tokens.</summary>
    public int? ShardOverlap { get; set; }

    /// <summary>Documents longer than this many tokens are refused.</summary>
    public int MaxDocumentTokens { get; set; } = 500_000;

    /// <summary>Dedicated inference threads per silo.</summary>
    public int InferenceThreads { get; set; } = 1;

    /// <summary>
    /// Threads per silo that answer shard grains (partial attention, loading shards); separate from the inference
    /// threads so a decoder waiting on shards can never hold up the shards themselves.
    /// </summary>
    public int ShardAttentionThreads { get; set; } = 1;

    /// <summary>
    /// Move a job's decoder, once its document is encoded, to the silo holding most of the document: the document
    /// grain's silo in local mode (its memory holds the fresh shards), the silo with the most shard grains in
    /// distributed mode. Uses Orleans live grain migration; watchers follow without losing events.
    /// </summary>
    public bool PreferDocumentSilo { get; set; } = true;

    /// <summary>Element type of stored K/V: f32, f16 or bf16.</summary>
    public string KvDType { get; set; } = "f32";

    /// <summary>K/V store: <c>memory</c> (default) or <c>redis</c> (memory in front of Redis).</summary>
    public string KvStore { get; set; } = "memory";

    /// <summary>Stored shard format: <c>kv</c> (per-layer K/V) or <c>hidden</c> (encoder output; K/V projected on load).</summary>
    public string ShardFormat { get; set; } = "kv";

    /// <summary>Bytes of shards each silo keeps in memory before evicting the least recently used.</summary>
    public long MemoryBudgetBytes { get; set; } = 2L << 30;

    /// <summary>Grain state (document manifests, jobs): <c>memory</c> (default) or <c>redis</c>.</summary>
    public string GrainStorage { get; set; } = "memory";

    /// <summary>
    /// How jobs attend over shards: <c>local</c> (pull every shard into the decoder's silo), <c>distributed</c>
    /// (scatter queries to shard grains spread over the silos), or <c>auto</c> (default): distributed when the
    /// document's stored K/V exceeds <see cref="DistributedAboveBytes"/>. A request may override it.
    /// </summary>
    public string DecodeMode { get; set; } = "auto";

    /// <summary>In <c>auto</c> mode, documents with more stored K/V than this decode distributed.</summary>
    public long DistributedAboveBytes { get; set; } = 1L << 30;

    /// <summary>Clustering: <c>localhost</c> (default) or <c>redis</c>.</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>
    /// Redis connection string (StackExchange.Redis syntax): endpoints and connection settings. Credentials and TLS
    /// are better given in <see cref="Redis"/>, so the password can come from a secret and never sits in this string.
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>Redis credentials and TLS (<c>Summarizer:Redis:*</c>), merged into the connection for all three uses.</summary>
    public RedisSecurityOptions Redis { get; set; } = new();

    /// <summary>
    /// Jobs one tenant may have running (accepted and not finished) across the whole cluster; more are refused with
    /// <c>429</c>.
    /// </summary>
    public int MaxConcurrentJobsPerTenant { get; set; } = 8;

    /// <summary>Jobs that may run on one silo at once (the silo that accepted them over HTTP); more are refused with <c>429</c>.</summary>
    public int MaxConcurrentJobsPerSilo { get; set; } = 16;

    /// <summary>The <c>Retry-After</c> (seconds) a submission refused by a concurrency bound is given.</summary>
    public int JobLimitRetryAfterSeconds { get; set; } = 10;

    /// <summary>Expiry of K/V blobs in Redis; null keeps them until evicted by Redis itself.</summary>
    public TimeSpan? KvTimeToLive { get; set; }

    /// <summary>Orleans silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>With localhost clustering: the silo port of the primary silo, when this silo is not it.</summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>Address advertised to other silos (a pod's IP on Kubernetes); loopback when unset.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// This silo's role: <c>all</c> (default), <c>encoder</c> (GPU silos) or <c>decoder</c>. Published as Orleans silo
    /// metadata; document (encoder) grains are placed only on <c>all</c> and <c>encoder</c> silos.
    /// </summary>
    public string Role { get; set; } = "all";

    /// <summary>
    /// Seconds the host gives a graceful shutdown (running jobs finish or are persisted for another silo, then the silo
    /// leaves membership). Keep it shorter than the pod's <c>terminationGracePeriodSeconds</c>.
    /// </summary>
    public int ShutdownTimeoutSeconds { get; set; } = 60;

    /// <summary>Orleans silo name (the pod name on Kubernetes); Orleans picks one when unset.</summary>
    public string? SiloName { get; set; }

    /// <summary>Metrics, traces and operator endpoints (<c>Summarizer:Telemetry</c>).</summary>
    public Telemetry.TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>Largest Redis value a shard blob is split into.</summary>
    public int RedisBlockBytes { get; set; } = 4 << 20;
}
