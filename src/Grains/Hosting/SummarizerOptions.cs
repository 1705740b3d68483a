using Summarizer.Contracts;
using Summarizer.Grains.Placement;
using Summarizer.Model.KvCache;

namespace Summarizer.Grains.Hosting;

/// <summary>Where a kind of data is kept (<c>Summarizer:KvStore</c>, <c>Summarizer:GrainStorage</c>): <c>memory</c> or <c>redis</c>.</summary>
public enum StoreKind
{
    /// <summary>In the silos' memory: nothing external needed, nothing survives the process.</summary>
    Memory = 0,

    /// <summary>In Redis (<c>Summarizer:RedisConnectionString</c>).</summary>
    Redis = 1,
}

/// <summary>How silos find each other (<c>Summarizer:Clustering</c>): <c>localhost</c> or <c>redis</c>.</summary>
public enum ClusteringKind
{
    /// <summary>Loopback development clustering (one primary silo).</summary>
    Localhost = 0,

    /// <summary>A membership table in Redis.</summary>
    Redis = 1,
}

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

    /// <summary>
    /// mBART's source language code (<c>src_lang</c>, e.g. <c>en_XX</c>), placed in every encoder window; null keeps the
    /// checkpoint's <c>tokenizer_config.json</c>. Part of the model fingerprint, so shards encoded under another language
    /// are never reused. Other families refuse none and ignore it.
    /// </summary>
    public string? SourceLanguage { get; set; }

    /// <summary>mBART's summary language code (<c>tgt_lang</c>), forced as the first generated token; null keeps the checkpoint's.</summary>
    public string? TargetLanguage { get; set; }

    /// <summary>Default encoder window length; null is the model's <c>max_position_embeddings</c>.</summary>
    public int? ShardLength { get; set; }

    /// <summary>Default window overlap; null is an eighth of the window, at most 64 tokens.</summary>
    public int? ShardOverlap { get; set; }

    /// <summary>Documents longer than this many tokens are refused.</summary>
    public int MaxDocumentTokens { get; set; } = 500_000;

    /// <summary>
    /// Documents that would be cut into more shards than this are refused (a tiny <c>shardLength</c> would otherwise
    /// turn one document into hundreds of thousands of shards, grains and blobs).
    /// </summary>
    public int MaxShardsPerDocument { get; set; } = 4096;

    /// <summary>
    /// Rows one batched decoder step of the silo's <see cref="Inference.InferenceScheduler"/> may hold (a greedy job is
    /// one row, a beam-search job one per beam). Jobs beyond it wait, in arrival order, for rows to free up.
    /// </summary>
    public int MaxBatchRows { get; set; } = 32;

    /// <summary>
    /// Time the inference scheduler gives queued encoder and other tensor work between two decoding iterations (at
    /// least one item runs per iteration). Smaller: running streams stall less while a document encodes; larger: the
    /// encode finishes sooner. Configured as a time span, e.g. <c>00:00:00.050</c>.
    /// </summary>
    public TimeSpan EncoderBudgetPerIteration { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Threads per silo that answer shard grains (partial attention, loading shards); separate from the inference
    /// threads so a decoder waiting on shards can never hold up the shards themselves.
    /// </summary>
    public int ShardAttentionThreads { get; set; } = 1;

    /// <summary>
    /// Threads libtorch's CPU kernels use for one operation; 0 means the processor count .NET sees, which honours a
    /// container's CPU limit (libtorch's own default, the machine's physical cores, does not). Silos sharing a
    /// machine each take their share (<c>scripts/cluster.sh</c> divides the cores among its silos).
    /// </summary>
    public int TorchThreads { get; set; }

    /// <summary>
    /// Move a job's decoder, once its document is encoded, to the silo holding most of the document: the document
    /// grain's silo in local mode (its memory holds the fresh shards), the silo with the most shard grains in
    /// distributed mode. Uses Orleans live grain migration; watchers follow without losing events.
    /// </summary>
    public bool PreferDocumentSilo { get; set; } = true;

    /// <summary>Element type of stored K/V: f32, f16 or bf16.</summary>
    public KvDType KvDType { get; set; } = KvDType.F32;

    /// <summary>K/V store: <c>memory</c> (default) or <c>redis</c> (memory in front of Redis).</summary>
    public StoreKind KvStore { get; set; } = StoreKind.Memory;

    /// <summary>Stored shard format: <c>kv</c> (per-layer K/V) or <c>hidden</c> (encoder output; K/V projected on load).</summary>
    public ShardFormat ShardFormat { get; set; } = ShardFormat.Kv;

    /// <summary>
    /// Seconds between returns of memory to the system: the C heap's free pages (<c>malloc_trim</c>) when more than
    /// 16 MiB are held free, and the GC's spare memory once the silo falls idle after work; 0 turns both off.
    /// </summary>
    public int NativeTrimSeconds { get; set; } = 30;

    /// <summary>Most glibc malloc arenas (<c>M_ARENA_MAX</c>); fewer arenas fragment less. 0 leaves glibc's default (8 per core).</summary>
    public int MallocArenas { get; set; } = 2;

    /// <summary>
    /// Allocations of at least this many bytes that the arenas cannot serve from free space get pages of their own
    /// (<c>M_MMAP_THRESHOLD</c>), returned to the system when freed, instead of growing an arena; fixing it also stops glibc
    /// from raising it (up to 32 MiB) after such a block is freed, which let ever larger tensors grow the arenas, where
    /// freed space fragments. 0 keeps glibc's adaptive default.
    /// </summary>
    public int MallocMmapThresholdBytes { get; set; } = 256 << 10;

    /// <summary>Bytes of shards each silo keeps in memory before evicting the least recently used.</summary>
    public long MemoryBudgetBytes { get; set; } = 2L << 30;

    /// <summary>Grain state (document manifests, jobs) and job events: <c>memory</c> (default) or <c>redis</c>.</summary>
    public StoreKind GrainStorage { get; set; } = StoreKind.Memory;

    /// <summary>
    /// How jobs attend over shards: <c>local</c> (pull every shard into the decoder's silo), <c>distributed</c>
    /// (scatter queries to shard grains spread over the silos), or <c>auto</c> (default): distributed when the
    /// document's stored K/V exceeds <see cref="DistributedAboveBytes"/>. A request may override it.
    /// </summary>
    public DecodeMode DecodeMode { get; set; } = DecodeMode.Auto;

    /// <summary>In <c>auto</c> mode, documents with more stored K/V than this decode distributed.</summary>
    public long DistributedAboveBytes { get; set; } = 1L << 30;

    /// <summary>Clustering: <c>localhost</c> (default) or <c>redis</c>.</summary>
    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

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
    public SiloRole Role { get; set; } = SiloRole.All;

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

    /// <summary>
    /// How long a job waits out an unreachable silo or K/V store (grain calls retried through reactivation, Redis
    /// operations retried) before it fails naming what was unreachable. Job events and job state are never given up on:
    /// a job whose event store is down stops publishing until it is back.
    /// </summary>
    public TimeSpan OutageLimit { get; set; } = RetryPolicy.DefaultOutageLimit;
}
