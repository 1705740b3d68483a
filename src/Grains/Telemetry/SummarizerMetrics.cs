using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.KvStore;

namespace Summarizer.Grains.Telemetry;

/// <summary>
/// Every instrument of the <c>Summarizer</c> meter, one per silo. Names, units and attributes follow OpenTelemetry's
/// conventions (dotted names, units in UCUM with <c>{annotations}</c>, durations in seconds, no <c>_total</c>, which
/// the Prometheus exporter adds). Every measurement carries the model (<c>summarizer.model</c>) and the silo
/// (<c>summarizer.silo</c>); job and refusal counters carry the tenant only with <see cref="TelemetryOptions.TenantLabel"/>.
/// Call sites use the intention-revealing methods here, one line each; per-job measurements go through
/// <see cref="JobTelemetry"/>.
/// </summary>
public sealed class SummarizerMetrics : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The meter's name, to subscribe to (<c>AddMeter</c>).</summary>
    public const string MeterName = "Summarizer";

    private static readonly double[] SecondsBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
    private static readonly double[] RateBuckets = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
    private static readonly double[] IterationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    private static readonly int[] RowBuckets = [1, 2, 4, 8, 16, 32, 64, 128];

    private readonly KeyValuePair<string, object?> _model, _silo;
    private readonly bool _tenantLabel;
    private readonly ConcurrentDictionary<string, bool> _activeJobs = new(StringComparer.Ordinal); // job id → decoding
    private readonly Counter<long> _submitted, _started, _completed, _failed, _cancelled, _tokens;
    private readonly Counter<long> _encoderRuns, _encoderBatches, _shardFetches, _refused;
    private readonly Histogram<double> _timeToFirstToken, _jobDuration, _decodeRate, _encoderBatchDuration, _shardFetchDuration, _iterationDuration;
    private readonly Histogram<int> _batchRows;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>, observing this silo's cache and queue.</summary>
    public SummarizerMetrics(IMeterFactory meters, IOptions<SummarizerOptions> options, ILocalSiloDetails silo, MemoryShardCache memory, InferenceScheduler inference)
    {
        var o = options.Value;
        _model = new("summarizer.model", ModelLabel(o.ModelDirectory));
        _silo = new("summarizer.silo", silo.Name);
        _tenantLabel = o.Telemetry.TenantLabel;
        var meter = meters.Create(MeterName);

        _submitted = meter.CreateCounter<long>("summarizer.jobs.submitted", "{job}", "Jobs accepted (recorded and within the concurrency bounds).");
        _started = meter.CreateCounter<long>("summarizer.jobs.started", "{job}", "Jobs that started decoding on this silo (again after a resume or a move).");
        _completed = meter.CreateCounter<long>("summarizer.jobs.completed", "{job}", "Jobs that completed with a summary.");
        _failed = meter.CreateCounter<long>("summarizer.jobs.failed", "{job}", "Jobs that failed, by error.type.");
        _cancelled = meter.CreateCounter<long>("summarizer.jobs.cancelled", "{job}", "Jobs cancelled by their client.");
        _tokens = meter.CreateCounter<long>("summarizer.tokens.generated", "{token}", "Summary tokens published (a resumed job's published tokens are not counted again).");
        _timeToFirstToken = meter.CreateHistogram("summarizer.job.time_to_first_token", "s", "From a job's acceptance to its first published token.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _jobDuration = meter.CreateHistogram("summarizer.job.duration", "s", "From a job's acceptance to its end, by summarizer.job.outcome.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _decodeRate = meter.CreateHistogram("summarizer.decode.token_rate", "{token}/s", "Tokens per second of each completed job's decoding.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RateBuckets });
        _encoderRuns = meter.CreateCounter<long>("summarizer.encoder.runs", "{shard}", "Shards run through the encoder (one run per shard), by summarizer.encode.cause.");
        _encoderBatches = meter.CreateCounter<long>("summarizer.encoder.batches", "{batch}", "Encoder forward passes (each over up to the encoder's batch of shards).");
        _encoderBatchDuration = meter.CreateHistogram("summarizer.encoder.batch.duration", "s", "Time of one encoder batch, queueing for the inference thread included.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _shardFetches = meter.CreateCounter<long>("summarizer.shard.fetches", "{shard}", "Shards asked of Redis or of a peer silo, by summarizer.shard.source and summarizer.shard.fetch.result (hit or miss).");
        _shardFetchDuration = meter.CreateHistogram("summarizer.shard.fetch.duration", "s", "Time of one fetch of shards from Redis or a peer silo.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _batchRows = meter.CreateHistogram("summarizer.scheduler.batch.rows", "{row}", "Rows in each batched decoder iteration of the inference scheduler (a greedy job is one row, a beam-search job one per beam).", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = RowBuckets });
        _iterationDuration = meter.CreateHistogram("summarizer.scheduler.iteration.duration", "s", "Time of one batched decoder iteration (every running job's step, search and hand-over; encoder work between iterations apart).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = IterationBuckets });
        _refused = meter.CreateCounter<long>("summarizer.requests.refused", "{request}", "Requests refused before doing work, by summarizer.refusal.reason.");

        // Gauges read what the silo already counts, at collection time.
        meter.CreateObservableUpDownCounter("summarizer.jobs.active", ObserveActiveJobs, "{job}",
            "Jobs on this silo, by summarizer.job.state: queued (accepted, not yet decoding) or running (decoding).");
        meter.CreateObservableUpDownCounter("summarizer.kv.memory.usage", () => Measure(memory.Bytes), "By", "K/V bytes held in this silo's memory.");
        meter.CreateObservableUpDownCounter("summarizer.kv.memory.limit", () => Measure(memory.ByteBudget), "By", "This silo's K/V memory budget (Summarizer:MemoryBudgetBytes).");
        meter.CreateObservableUpDownCounter("summarizer.kv.shards", () => Measure(memory.Count), "{shard}", "Shards held in this silo's memory.");
        meter.CreateObservableCounter("summarizer.kv.evictions", () => Measure(memory.Evictions), "{shard}", "Shards evicted from this silo's memory to stay within the budget.");
        meter.CreateObservableUpDownCounter("summarizer.inference.queue.size", () => Measure(inference.Pending), "{item}", "Work items and decoding jobs queued or running on this silo's inference scheduler.");
        meter.CreateObservableUpDownCounter("summarizer.scheduler.jobs.queued", () => Measure(inference.Diagnostics.QueuedJobs), "{job}", "Decoding jobs waiting for batch rows (Summarizer:MaxBatchRows) to free up.");
        inference.Iterated += Iterated;
    }

    /// <summary>
    /// Starts the telemetry of a run of job <paramref name="jobId"/> on this silo; <paramref name="firstRun"/> when it
    /// has published nothing yet. Dispose it when the run ends.
    /// </summary>
    public JobTelemetry TrackJob(string jobId, string tenant, DateTimeOffset acceptedAt, bool firstRun, Microsoft.Extensions.Logging.ILogger logger) =>
        new(this, logger, jobId, tenant, acceptedAt, firstRun);

    /// <summary>A job was accepted.</summary>
    public void JobSubmitted(string tenant) => _submitted.Add(1, JobTags(tenant));

    /// <summary>A job's run began on this silo (queued until it decodes); paired with <see cref="JobLeft"/>.</summary>
    public void JobQueued(string jobId) => _activeJobs[jobId] = false;

    /// <summary>A job began decoding on this silo.</summary>
    public void JobStarted(string jobId, string tenant)
    {
        _activeJobs[jobId] = true;
        _started.Add(1, JobTags(tenant));
    }

    /// <summary>A job's run on this silo ended (whatever the outcome, or it moved away).</summary>
    public void JobLeft(string jobId) => _activeJobs.TryRemove(jobId, out _);

    /// <summary><paramref name="count"/> newly published summary tokens.</summary>
    public void TokensGenerated(string tenant, int count) => _tokens.Add(count, JobTags(tenant));

    /// <summary>The first token of a job was published <paramref name="sinceAccepted"/> after the job was accepted.</summary>
    public void FirstToken(TimeSpan sinceAccepted) => _timeToFirstToken.Record(sinceAccepted.TotalSeconds, Common());

    /// <summary>A job completed; <paramref name="tokensPerSecond"/> is its decoding rate.</summary>
    public void JobCompleted(string tenant, TimeSpan duration, double tokensPerSecond)
    {
        _completed.Add(1, JobTags(tenant));
        _jobDuration.Record(duration.TotalSeconds, Common("summarizer.job.outcome", "completed"));
        _decodeRate.Record(tokensPerSecond, Common());
    }

    /// <summary>A job failed.</summary>
    public void JobFailed(string tenant, JobFailureReason reason, TimeSpan duration)
    {
        var tags = JobTags(tenant);
        tags.Add("error.type", reason.Label());
        _failed.Add(1, tags);
        _jobDuration.Record(duration.TotalSeconds, Common("summarizer.job.outcome", "failed"));
    }

    /// <summary>A job was cancelled.</summary>
    public void JobCancelled(string tenant, TimeSpan duration)
    {
        _cancelled.Add(1, JobTags(tenant));
        _jobDuration.Record(duration.TotalSeconds, Common("summarizer.job.outcome", "cancelled"));
    }

    /// <summary>The inference scheduler ran an iteration (on its thread); only those with a decoder step are measured.</summary>
    private void Iterated(Summarizer.Model.Scheduling.IterationReport report)
    {
        if (report.Jobs == 0) return;
        _batchRows.Record(report.Rows, Common());
        _iterationDuration.Record(report.DecodeTime.TotalSeconds, Common());
    }

    /// <summary>One encoder batch of <paramref name="shards"/> shards took <paramref name="elapsed"/>.</summary>
    public void EncoderBatch(int shards, TimeSpan elapsed, bool repair)
    {
        _encoderRuns.Add(shards, Common("summarizer.encode.cause", repair ? "repair" : "document"));
        _encoderBatches.Add(1, Common());
        _encoderBatchDuration.Record(elapsed.TotalSeconds, Common());
    }

    /// <summary>Starts timing a fetch of shards from <paramref name="source"/>; end it with <see cref="ShardFetch.Done"/>.</summary>
    public ShardFetch StartShardFetch(ShardSource source) => new(this, source, Stopwatch.GetTimestamp());

    /// <summary>A request was refused for <paramref name="reason"/>.</summary>
    public void Refused(RefusalReason reason, string? tenant)
    {
        var tags = tenant is null ? Common() : JobTags(tenant);
        tags.Add("summarizer.refusal.reason", reason.Label());
        _refused.Add(1, tags);
    }

    /// <inheritdoc />
    /// <remarks>Nothing to do at any stage: being a participant only makes the silo build this object as it starts.</remarks>
    public void Participate(ISiloLifecycle observer) { }

    /// <summary>The model label of a checkpoint directory: its name (<c>bart-large-cnn</c>), or <c>none</c>.</summary>
    public static string ModelLabel(string? directory) =>
        string.IsNullOrWhiteSpace(directory) ? "none" : Path.GetFileName(Path.TrimEndingDirectorySeparator(directory.Trim()));

    private void RecordFetch(ShardSource source, int requested, int found, long started)
    {
        var hit = Common("summarizer.shard.source", source.Label());
        hit.Add("summarizer.shard.fetch.result", "hit");
        var miss = Common("summarizer.shard.source", source.Label());
        miss.Add("summarizer.shard.fetch.result", "miss");
        if (found > 0) _shardFetches.Add(found, hit);
        if (requested > found) _shardFetches.Add(requested - found, miss);
        _shardFetchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Common("summarizer.shard.source", source.Label()));
    }

    private IEnumerable<Measurement<int>> ObserveActiveJobs()
    {
        int running = _activeJobs.Values.Count(decoding => decoding);
        int queued = _activeJobs.Count - running;
        yield return new Measurement<int>(queued, Common("summarizer.job.state", "queued"));
        yield return new Measurement<int>(running, Common("summarizer.job.state", "running"));
    }

    private Measurement<long> Measure(long value) => new(value, _model, _silo);

    private TagList Common() => new() { _model, _silo };

    private TagList Common(string key, string value) => new() { _model, _silo, { key, value } };

    private TagList JobTags(string tenant)
    {
        var tags = Common();
        if (_tenantLabel) tags.Add("summarizer.tenant", tenant);
        return tags;
    }

    /// <summary>A fetch of shards being timed.</summary>
    public readonly struct ShardFetch
    {
        private readonly SummarizerMetrics _metrics;
        private readonly ShardSource _source;
        private readonly long _started;

        internal ShardFetch(SummarizerMetrics metrics, ShardSource source, long started) => (_metrics, _source, _started) = (metrics, source, started);

        /// <summary>The fetch asked for <paramref name="requested"/> shards and got <paramref name="found"/>.</summary>
        public void Done(int requested, int found) => _metrics?.RecordFetch(_source, requested, found, _started);
    }
}
