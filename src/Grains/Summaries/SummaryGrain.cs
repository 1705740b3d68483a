using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Distributed;
using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime.Placement;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.KvStore;
using Summarizer.Grains.Telemetry;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// The grain of one summary job. It has the document grain encode (or find) the shards, leases them from the
/// <see cref="ShardRepository"/>, runs the search on an inference thread, and publishes each decided delta to
/// watchers while persisting the job. Reentrant, so watchers are served while generation runs. If the silo dies, the
/// next activation regenerates (generation is deterministic) and publishes only what was not yet published.
/// A job is accepted only within the concurrency bounds: a slot on this silo (<see cref="SiloJobSlots"/>) and one of its
/// tenant's (<see cref="IJobAdmissionGrain"/>); both are given back when it completes, fails or is cancelled, before
/// the final event is visible. Placed on the caller's silo when it can be, so a job submitted over HTTP runs on (and
/// counts against) the silo that accepted it.
/// </summary>
[Reentrant]
[PreferLocalPlacement]
public sealed class SummaryGrain : Grain, ISummaryGrain, IGrainMigrationParticipant
{
    private const string MigratedKey = "summarizer.migrated";

    private static readonly TimeSpan PersistEvery = TimeSpan.FromMilliseconds(250);

    private readonly IPersistentState<SummaryState> _state;
    private readonly ModelHost _models;
    private readonly InferenceWorker _worker;
    private readonly ShardRepository _shards;
    private readonly SiloJobSlots _slots;
    private readonly ILogger<SummaryGrain> _logger;
    private readonly SummarizerOptions _options;
    private readonly SummarizerMetrics _metrics;
    private readonly CancellationTokenSource _cancel = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _run;
    private DateTime _lastPersist = DateTime.MinValue;
    private bool _migrating, _migrated;
    private bool _starting;
    private bool _resumed;
    private bool _slotsReleased;

    /// <summary>Created by Orleans.</summary>
    public SummaryGrain([PersistentState("summary", StorageNames.Summarizer)] IPersistentState<SummaryState> state,
        ModelHost models, InferenceWorker worker, ShardRepository shards, SiloJobSlots slots, IOptions<SummarizerOptions> options, ILogger<SummaryGrain> logger,
        SummarizerMetrics metrics)
    {
        _metrics = metrics;
        _slots = slots;
        _options = options.Value;
        _state = state;
        _models = models;
        _worker = worker;
        _shards = shards;
        _logger = logger;
    }

    private SummaryJob Job => _state.State.Job;

    private SiloAddress Here => GrainContext.Address.SiloAddress!;

    private string JobId => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A job persisted mid-flight lost its silo: pick it up again.
        if (_state.State.Request is not null && !Job.IsFinished && _migrated)
        {
            // Moved here to be near its document: it now counts against this silo (the old one gave its slot back).
            _slots.Acquire(JobId);
            StartRun();
        }
        else if (_state.State.Request is not null && !Job.IsFinished)
        {
            _state.State.Job = Job with { Resumes = Job.Resumes + 1 };
            _logger.LogWarning("Resuming job {Job} after losing its silo ({Tokens} tokens already published).", Job.JobId, Job.TokenIds.Count);
            // Accepted earlier, so it runs whatever the bounds; it counts against this silo and keeps its tenant slot.
            _slots.Acquire(JobId);
            _resumed = true;
            StartRun();
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.Migrating)
        {
            // Migration is best effort: should the target refuse, this call (routed to wherever the grain now lives)
            // activates the job again, and it resumes with nobody having to call.
            _ = GrainFactory.GetGrain<ISummaryGrain>(this.GetPrimaryKeyString()).GetAsync();
            return;
        }
        if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown || _run is null || _run.IsCompleted) return;
        // The silo is leaving (scale-in, rolling update): let the running job finish within the deactivation budget.
        // If it cannot, persist what was published; the job's next activation, on a remaining silo at the next call
        // (a watcher reconnecting, a GET), regenerates silently and publishes only what follows.
        try
        {
            await _run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Job {JobId} did not finish before its silo shut down; persisted for another silo to resume.", this.GetPrimaryKeyString());
            await PersistAsync();
            // A call to this grain from here is forwarded to a new activation on a silo that stays, which resumes
            // the job even if no client is watching.
            _ = GrainFactory.GetGrain<ISummaryGrain>(this.GetPrimaryKeyString()).GetAsync();
        }
    }

    /// <inheritdoc />
    public void OnDehydrate(IDehydrationContext dehydrationContext) => dehydrationContext.TryAddValue(MigratedKey, true);

    /// <inheritdoc />
    public void OnRehydrate(IRehydrationContext rehydrationContext) => _migrated = rehydrationContext.TryGetValue(MigratedKey, out bool moved) && moved;

    /// <inheritdoc />
    public async Task<StartOutcome> StartAsync(SummaryRequest request)
    {
        if (_state.State.Request is not null) return new StartOutcome(Job, null);
        if (string.IsNullOrWhiteSpace(request.Text)) throw new ArgumentException("The document is empty or whitespace only.", "text");
        RequestOptionsMapper.ToModel(request.Options);
        if (_starting) throw new InvalidOperationException($"Job {JobId} is already being started.");
        _starting = true;
        try
        {
            // The bounds first; a refusal changes nothing stored (this silo's count is memory, the tenant's is not written).
            if (!_slots.TryAcquire(JobId, out int onSilo))
                return Refused(JobLimitRefusal.PerSilo, _slots.Limit, onSilo);
            var admission = GrainFactory.GetGrain<IJobAdmissionGrain>(request.Tenant);
            JobAdmission admitted;
            try { admitted = await admission.TryAdmitAsync(JobId); }
            catch
            {
                _slots.Release(JobId);
                throw;
            }
            if (!admitted.Admitted)
            {
                _slots.Release(JobId);
                return Refused(JobLimitRefusal.PerTenant, admitted.Limit, admitted.Running);
            }

            _state.State.Request = request;
            _state.State.Job = new SummaryJob
            {
                JobId = JobId,
                Tenant = request.Tenant,
                Status = SummaryStatus.Queued,
                Options = request.Options,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            try
            {
                await _state.WriteStateAsync();
            }
            catch
            {
                // Not recorded means not accepted: forget it, so this activation never claims a job that does not
                // exist, and give the slots back (a tenant slot that cannot be given back now is freed by the
                // admission grain's check, as this job will never run).
                _state.State = new SummaryState();
                _slots.Release(JobId);
                try { await admission.ReleaseAsync(JobId); }
                catch (Exception e) { _logger.LogWarning("Could not give back the tenant slot of unrecorded job {Job}: {Reason}", JobId, e.Message); }
                throw;
            }
            _metrics.JobSubmitted(request.Tenant); // telemetry
            StartRun();
            return new StartOutcome(Job, null);
        }
        finally
        {
            _starting = false;
        }
    }

    private StartOutcome Refused(string bound, int limit, int running)
    {
        _logger.LogInformation("Refused job {Job}: {Bound} ({Limit}) reached.", JobId, bound, limit);
        return new StartOutcome(null, new JobLimitRefusal(bound, limit, running, _options.JobLimitRetryAfterSeconds));
    }

    /// <inheritdoc />
    public Task<bool> IsRunningAsync() => Task.FromResult(_starting || (_state.State.Request is not null && !Job.IsFinished));

    /// <inheritdoc />
    public Task<SummaryJob?> GetAsync() => Task.FromResult(_state.State.Request is null ? null : Job);

    /// <inheritdoc />
    public async Task<SummaryJob?> CancelAsync()
    {
        if (_state.State.Request is null) return null;
        if (!Job.IsFinished) _cancel.Cancel();
        if (_run is not null) await _run;
        return Job;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SummaryEvent> WatchAsync(long afterSequence)
    {
        if (_state.State.Request is null) yield break;
        while (true)
        {
            var changed = _changed.Task;
            foreach (var e in _state.State.Events.Where(e => e.Sequence > afterSequence).ToArray())
            {
                yield return e;
                afterSequence = e.Sequence;
                if (e.IsTerminal) yield break;
            }
            // Moving to another silo: end the watch without a terminal event; the client resubscribes from its last
            // sequence and reaches the new activation.
            if (_migrating) yield break;
            await changed;
        }
    }

    private void StartRun()
    {
        _run ??= RunAsync();
    }

    private async Task RunAsync()
    {
        var request = _state.State.Request!;
        using var telemetry = _metrics.TrackJob(JobId, request.Tenant, Job.CreatedAt, firstRun: Job.TokenIds.Count == 0, _logger); // telemetry: span, log scope, metrics
        // Tokens already published before a restart are regenerated silently, then publishing resumes after them.
        var published = Job.TokenIds.ToList();
        var cancel = _cancel.Token;
        var statistics = Job.Statistics;
        // A keep-alive timer holds the activation while the job runs, however long it goes without calls.
        var keepAlive = this.RegisterGrainTimer(_ => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true, Interleave = true });
        var leases = Array.Empty<ShardLease?>();
        try
        {
            if (_resumed)
            {
                // Its tenant slot may have been lost with the admission grain's silo (memory storage): hold it again.
                try { await GrainFactory.GetGrain<IJobAdmissionGrain>(request.Tenant).HoldAsync(JobId); }
                catch (Exception e) { _logger.LogWarning("Resumed job {Job} could not re-register with its tenant's bound: {Reason}", JobId, e.Message); }
            }
            var model = await _models.GetAsync();
            var options = RequestOptionsMapper.ToModel(request.Options);
            var text = DocumentKeys.Normalize(request.Text);
            var documentKey = DocumentKeys.For(request.Tenant, DocumentKeys.ContentHash(text), model.Fingerprint);
            await UpdateAsync(Job with { Status = SummaryStatus.Encoding, DocumentKey = documentKey, Silo = RuntimeIdentity });

            var encodeClock = Stopwatch.StartNew();
            var document = GrainFactory.GetGrain<IDocumentGrain>(documentKey);
            var source = new DocumentSource(text, request.Options.ShardLength, request.Options.ShardOverlap);
            var encoded = await FollowEncodingAsync(document, () => document.EnsureEncodedAsync(source));
            var manifest = encoded.Manifest;
            // Counted now, so a job that moves to another silo carries its encoder runs with it.
            statistics = statistics with { EncoderRuns = statistics.EncoderRuns + encoded.EncoderRuns };
            long encoderRuns = 0;
            if (manifest.Status != DocumentStatus.Encoded) throw new JobFailedException(JobFailureReason.Encoding, manifest.Error ?? "The document could not be encoded.");

            bool distributed = (request.Options.DecodeMode ?? _options.DecodeMode) switch
            {
                "distributed" => true,
                "local" => false,
                _ => manifest.TotalBytes > _options.DistributedAboveBytes,
            };
            // The memory is built on the inference thread: stacking a large document's K/V is real tensor work.
            Func<ICrossAttentionMemory> createMemory;
            DistributedCrossAttention? scatter = null;
            if (distributed)
            {
                // Shard grains load their shards where placement put them; only summaries come back here.
                var grains = Enumerable.Range(0, manifest.ShardCount)
                    .Select(i => GrainFactory.GetGrain<IShardGrain>(ShardGrain.KeyOf(documentKey, i))).ToArray();
                var summaries = await Task.WhenAll(grains.Select(g => g.PrepareAsync()));
                statistics = statistics with { ShardSilos = summaries.Select(s => s.Silo).Distinct().Count() };
                var bySilo = summaries.Where(s => s.Address is not null).GroupBy(s => s.Address!).ToDictionary(g => g.Key, g => g.Count());
                if (await MoveTowardsAsync(bySilo, statistics)) return;
                statistics = statistics with { LocalShardShare = bySilo.GetValueOrDefault(Here) / (double)manifest.ShardCount };
                createMemory = () => scatter = new DistributedCrossAttention(grains, summaries, model.Network.CrossAttentionHeads, options.CrossAttention);
            }
            else
            {
                // Local decoding pulls every shard here; the document grain's silo already holds them all in memory.
                if (encoded.Silo is { } documentSilo && await MoveTowardsAsync(new() { [documentSilo] = manifest.ShardCount }, statistics)) return;
                (leases, var repairRuns) = await LoadShardsAsync(document, manifest, cancel);
                statistics = statistics with { LocalShardShare = encoded.Silo == Here ? 1 : 0 };
                encoderRuns += repairRuns;
                var local = leases.Select(l => l!.Shard).ToArray();
                createMemory = () => new ShardedCrossAttention(local, options.CrossAttention, model.Network.Device);
            }
            encodeClock.Stop();
            statistics = statistics with
            {
                // Runs accumulate over resumes: a job picked up after a crash that re-encoded nothing adds nothing.
                ShardCount = manifest.ShardCount, SourceTokens = manifest.SourceTokens, EncoderRuns = statistics.EncoderRuns + encoderRuns,
                EncodeMs = encodeClock.Elapsed.TotalMilliseconds, DecodeMode = distributed ? "distributed" : "local",
            };
            telemetry.Decoding(manifest.ShardCount, manifest.SourceTokens, distributed); // telemetry
            await UpdateAsync(Job with { Status = SummaryStatus.Decoding, Statistics = statistics });

            var decided = Channel.CreateUnbounded<int[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var decodeClock = Stopwatch.StartNew();
            TimedCrossAttention? timedMemory = null;
            Func<CancellationToken, GenerationResult> generate = ct =>
            {
                ICrossAttentionMemory? memory = null;
                try
                {
                    memory = createMemory();
                    timedMemory = new TimedCrossAttention(memory);
                    return model.Generate(timedMemory, options, ids => decided.Writer.TryWrite(ids.ToArray()), ct);
                }
                finally
                {
                    decided.Writer.TryComplete();
                    (memory as IDisposable)?.Dispose();
                }
            };
            // Distributed decoding waits on shard grains most of each step: a thread of its own, not the inference queue.
            var generation = distributed ? DedicatedThread.RunAsync($"decode-{Job.JobId}", generate, cancel) : _worker.RunAsync(generate, cancel);
            // Cancelled before it ever ran: the reader below must still see the end of the stream.
            _ = generation.ContinueWith(_ => decided.Writer.TryComplete(), TaskScheduler.Default);

            var stream = model.Tokenizer.CreateStreamingDecoder();
            var tokens = new List<int>();
            double? firstTokenMs = null;
            await foreach (var ids in decided.Reader.ReadAllAsync())
            {
                firstTokenMs ??= decodeClock.Elapsed.TotalMilliseconds;
                var fresh = new List<int>();
                string delta = "";
                foreach (var id in ids)
                {
                    int position = tokens.Count;
                    tokens.Add(id);
                    var piece = stream.Append(id);
                    if (position < published.Count)
                    {
                        if (published[position] != id) throw new JobFailedException(JobFailureReason.Regeneration, "Regenerated tokens differ from those already published; the model or its shards changed.");
                        continue;
                    }
                    fresh.Add(id);
                    delta += piece;
                }
                if (fresh.Count > 0) await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Delta, Text = delta, TokenIds = fresh }, force: false);
                telemetry.Published(fresh.Count); // telemetry
            }
            var result = await generation;
            decodeClock.Stop();
            var tail = stream.Flush();
            var summary = model.Tokenizer.Decode(result.GeneratedIds);
            statistics = statistics with
            {
                Tokens = result.GeneratedIds.Count,
                TimeToFirstTokenMs = firstTokenMs ?? 0,
                DecodeMs = decodeClock.Elapsed.TotalMilliseconds,
                TokensPerSecond = result.GeneratedIds.Count / Math.Max(decodeClock.Elapsed.TotalSeconds, 1e-9),
                CrossAttentionShare = timedMemory!.Elapsed.TotalMilliseconds / Math.Max(decodeClock.Elapsed.TotalMilliseconds, 1e-9),
                RoundTripsPerToken = scatter is null ? 0 : (double)scatter.RoundTrips / Math.Max(1, result.DecoderSteps),
                BytesPerToken = scatter is null ? 0 : (double)scatter.BytesMoved / Math.Max(1, result.DecoderSteps),
            };
            if (tail.Length > 0) await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Delta, Text = tail }, force: false);
            _state.State.Job = Job with { Status = SummaryStatus.Completed, Text = summary, TokenIds = result.GeneratedIds.ToArray(), Statistics = statistics, CompletedAt = DateTimeOffset.UtcNow };
            await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Done, Text = summary, TokenIds = result.GeneratedIds.ToArray(), Statistics = statistics }, force: true);
            telemetry.Completed(result.GeneratedIds.Count, statistics.TokensPerSecond); // telemetry
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            _state.State.Job = Job with { Status = SummaryStatus.Cancelled, Error = "Cancelled by the client.", Statistics = statistics, CompletedAt = DateTimeOffset.UtcNow };
            await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Error, Error = "cancelled" }, force: true);
            telemetry.Cancelled(); // telemetry
        }
        catch (Exception e)
        {
            var reason = e.Message;
            if (e is not JobFailedException) _logger.LogError(e, "Summary job {Job} failed.", Job.JobId);
            _state.State.Job = Job with { Status = SummaryStatus.Failed, Error = reason, Statistics = statistics, CompletedAt = DateTimeOffset.UtcNow };
            await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Error, Error = reason }, force: true);
            telemetry.Failed(e is JobFailedException failed ? failed.Reason : TelemetryReasons.Classify(e)); // telemetry
        }
        finally
        {
            foreach (var l in leases) l?.Dispose();
            keepAlive.Dispose();
            // Normally done before the final event was published; here when that final write failed.
            await ReleaseSlotsAsync();
        }
    }

    /// <summary>
    /// Gives back this silo's slot, and the tenant's if the job is finished (a job that stops here unfinished is
    /// resumed elsewhere and keeps it). Once per activation.
    /// </summary>
    private async Task ReleaseSlotsAsync()
    {
        if (_slotsReleased) return;
        _slotsReleased = true;
        _slots.Release(JobId);
        if (!Job.IsFinished) return;
        try { await GrainFactory.GetGrain<IJobAdmissionGrain>(Job.Tenant).ReleaseAsync(JobId); }
        catch (Exception e)
        {
            // The admission grain frees it when the tenant next reaches its bound (it asks this finished job).
            _logger.LogWarning("Job {Job} could not give back its tenant slot: {Reason}", JobId, e.Message);
        }
    }

    /// <summary>
    /// Leases every shard in this silo: from memory, the durable store, or the document grain's silo (which holds
    /// them after encoding); shards found nowhere are re-encoded by the document grain.
    /// </summary>
    private async Task<(ShardLease?[] Leases, long RepairRuns)> LoadShardsAsync(IDocumentGrain document, DocumentManifest manifest, CancellationToken cancel)
    {
        using var span = SummarizerActivities.StartShardLoad(manifest.ShardCount); // telemetry
        long repairRuns = 0;
        var key = manifest.DocumentKey;
        var (leases, missing) = await _shards.AcquireAsync(key, manifest.ShardCount, cancel);
        try
        {
            // Not in this silo's memory nor the durable store: the document grain's silo may still hold them.
            foreach (var batch in BatchesOfBytes(manifest, missing))
            {
                var fetch = _metrics.StartShardFetch(ShardSource.Peer); // telemetry
                var blobs = await document.ExportShardsAsync(batch);
                fetch.Done(batch.Length, blobs.Count(b => b is not null)); // telemetry
                await ImportAsync(batch.Zip(blobs).Where(p => p.Second is not null).Select(p => (p.First, p.Second!)).ToArray());
            }
            missing = Enumerable.Range(0, manifest.ShardCount).Where(i => leases[i] is null).ToArray();
            // Lost everywhere (evicted with no durable store behind, or corrupt): re-encode, counted and logged.
            foreach (var batch in BatchesOfBytes(manifest, missing))
            {
                var repaired = await document.RepairAsync(batch);
                repairRuns += repaired.EncoderRuns;
                await ImportAsync(repaired.Indices.Zip(repaired.Shards).ToArray());
            }
        }
        catch
        {
            // The job gets none of them, so none may stay leased (they would pin evicted shards in memory).
            foreach (var l in leases) l?.Dispose();
            throw;
        }
        missing = Enumerable.Range(0, manifest.ShardCount).Where(i => leases[i] is null).ToArray();

        async Task ImportAsync(IReadOnlyList<(int Index, byte[] Blob)> found)
        {
            foreach (var (shardKey, lease) in await _shards.ImportAsync(found.Select(f => (ShardKey.For(key, f.Index), f.Blob)).ToArray(), cancel))
                leases[shardKey.Index] = lease;
        }

        if (missing.Length > 0)
        {
            foreach (var l in leases) l?.Dispose();
            throw new JobFailedException(JobFailureReason.Shards, $"{missing.Length} shards of the document could not be stored or loaded (K/V store unavailable?).");
        }
        return (leases, repairRuns);
    }

    /// <summary>Groups shard indices so one transfer carries at most about 64 MiB.</summary>
    private static IEnumerable<int[]> BatchesOfBytes(DocumentManifest manifest, IReadOnlyList<int> indices)
    {
        const long limit = 64L << 20;
        var batch = new List<int>();
        long bytes = 0;
        foreach (var i in indices)
        {
            long size = manifest.Shards.FirstOrDefault(s => s.Index == i)?.Bytes ?? 0;
            if (batch.Count > 0 && bytes + size > limit)
            {
                yield return batch.ToArray();
                batch.Clear();
                bytes = 0;
            }
            batch.Add(i);
            bytes += size;
        }
        if (batch.Count > 0) yield return batch.ToArray();
    }

    /// <summary>
    /// Starts moving this job to the silo holding most of its document's shards, when that is not this silo and the
    /// job has not moved before (so two silos can never pass it back and forth). The job is persisted; Orleans moves
    /// the activation once watchers have been released, and the new activation resumes the run at once.
    /// </summary>
    private async Task<bool> MoveTowardsAsync(Dictionary<SiloAddress, int> shardsBySilo, SummaryStatistics statistics)
    {
        if (!_options.PreferDocumentSilo || Job.Migrations > 0 || shardsBySilo.Count == 0) return false;
        int here = shardsBySilo.GetValueOrDefault(Here);
        var (best, most) = shardsBySilo.OrderByDescending(p => p.Value).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => (p.Key, p.Value)).First();
        if (most <= here) return false;
        _logger.LogInformation("Moving job {Job} to {Silo}, which holds {Most} of its shards ({Here} here).", Job.JobId, best, most, here);
        _state.State.Job = Job with { Migrations = Job.Migrations + 1, Statistics = statistics };
        await PersistAsync();
        RequestContext.Set(IPlacementDirector.PlacementHintKey, best);
        this.MigrateOnIdle();
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        _migrating = true;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
        return true;
    }

    /// <summary>
    /// Waits for the document grain to encode, publishing its progress. Encoding a long document can outlast Orleans'
    /// response timeout, which bounds the wait for a grain call but not the call itself: the encode goes on, so a
    /// timed-out call is simply made again, and the repeat returns once the encode ends. Encoder runs are then read
    /// from the manifest's total instead of the lost reply.
    /// </summary>
    private async Task<EncodeOutcome> FollowEncodingAsync(IDocumentGrain document, Func<Task<EncodeOutcome>> startEncoding)
    {
        long runsBefore = (await document.GetManifestAsync()).EncoderRuns;
        bool timedOut = false;
        var encoding = startEncoding();
        var last = new EncodingProgress(DocumentStatus.New, -1, -1);
        while (true)
        {
            await Task.WhenAny(encoding, Task.Delay(200));
            var progress = encoding.IsCompleted ? null : await document.GetProgressAsync();
            if (progress is not null && progress.ShardsTotal > 0 && progress != last)
            {
                last = progress;
                await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Progress, ShardsDone = progress.ShardsDone, ShardsTotal = progress.ShardsTotal }, force: false);
            }
            if (!encoding.IsCompleted) continue;
            EncodeOutcome outcome;
            try
            {
                outcome = await encoding;
            }
            catch (TimeoutException)
            {
                _logger.LogInformation("Job {Job}: encoding is outlasting the grain-call timeout; waiting on.", Job.JobId);
                timedOut = true;
                encoding = startEncoding();
                continue;
            }
            if (timedOut) outcome = outcome with { EncoderRuns = Math.Max(0, outcome.Manifest.EncoderRuns - runsBefore) };
            var manifest = outcome.Manifest;
            if (manifest.Status == DocumentStatus.Encoded && (last.ShardsDone != manifest.ShardCount || last.ShardsTotal != manifest.ShardCount))
                await PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Progress, ShardsDone = manifest.ShardCount, ShardsTotal = manifest.ShardCount }, force: false);
            return outcome;
        }
    }

    private async Task PublishAsync(SummaryEvent e, bool force)
    {
        var numbered = e with { Sequence = Job.LastSequence + 1, TokenIds = e.TokenIds.ToArray() };
        _state.State.Events.Add(numbered);
        var job = Job with { LastSequence = numbered.Sequence };
        if (e.Kind == SummaryEventKind.Delta) job = job with { Text = job.Text + e.Text, TokenIds = job.TokenIds.Concat(e.TokenIds).ToArray() };
        _state.State.Job = job;
        // Write ahead: an event is stored before anyone can see it, so after a crash the job resumes exactly after
        // the last event any subscriber received and a reconnecting client gets no duplicated or missing text.
        // Only progress events may be persisted lazily: losing one repeats a progress bar update, not text.
        if (force || e.Kind != SummaryEventKind.Progress || DateTime.UtcNow - _lastPersist >= PersistEvery) await PersistAsync();
        // The slots are free before anyone sees the end: a client that submits again on "done" is not refused.
        if (numbered.IsTerminal) await ReleaseSlotsAsync();
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private async Task UpdateAsync(SummaryJob job)
    {
        _state.State.Job = job;
        await PersistAsync();
    }

    private async Task PersistAsync()
    {
        _lastPersist = DateTime.UtcNow;
        try { await _state.WriteStateAsync(); }
        catch (Exception e) when (!Job.IsFinished)
        {
            // Losing a progress write only costs regenerating after a crash; the final write is not caught.
            _logger.LogWarning(e, "Could not persist progress of job {Job}.", Job.JobId);
        }
    }

    private sealed class JobFailedException(JobFailureReason reason, string message) : Exception(message)
    {
        public JobFailureReason Reason => reason;
    }
}
