using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using Summarizer.Contracts;
using Summarizer.Grains.Documents;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.KvStore;
using Summarizer.Grains.Resilience;
using Summarizer.Grains.Summaries.Events;
using Summarizer.Grains.Summaries.Generation;
using Summarizer.Grains.Telemetry;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// The grain of one summary job. It only wires the job's parts together: admission (<see cref="JobSlots"/>), the event
/// log (<see cref="JobEventLog"/>), following the encode (<see cref="EncodeFollower"/>), the decode-mode policy
/// (<see cref="DecodeModePolicy"/>), the decoder's memory (<see cref="DecoderMemory"/>, shards through
/// <see cref="ShardAcquisition"/>), generation streaming (<see cref="GenerationRun"/>, <see cref="TokenStream"/>),
/// statistics (<see cref="JobStatistics"/>) and migration (<see cref="JobMigration"/>). Reentrant, so watchers are served
/// while the job runs; placed on the caller's silo when it can be, so a job submitted over HTTP runs on (and counts
/// against) the silo that accepted it. A job found unfinished on activation runs again from its log: the tokens it
/// published are its decoder's prefix (one pass, nothing decoded again), and it publishes only what follows.
/// A running job's activation is never collected; a finished one is collected after
/// <see cref="FinishedIdleMinutes"/> without calls (everything it serves is stored), so a silo's memory does not grow
/// with the jobs it has run.
/// </summary>
[CollectionAgeLimit(Minutes = FinishedIdleMinutes)]
[Reentrant]
[PreferLocalPlacement]
public sealed class SummaryGrain : Grain, ISummaryGrain, IGrainMigrationParticipant
{
    /// <summary>Minutes a finished job's activation stays without calls before Orleans may collect it.</summary>
    public const int FinishedIdleMinutes = 2;

    private const string JobStore = "job store";
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(10);

    private readonly IPersistentState<JobState> _state;
    private readonly IPersistentState<JobDocument> _document;
    private readonly ModelHost _models;
    private readonly InferenceScheduler _scheduler;
    private readonly ShardAcquisition _acquisition;
    private readonly DecodeModePolicy _modes;
    private readonly SummarizerOptions _options;
    private readonly ILogger<SummaryGrain> _logger;
    private readonly JobEventLog _events;
    private readonly JobSlots _slots;
    private readonly JobMigration _migration;
    private readonly SummarizerMetrics _metrics;
    private readonly CancellationTokenSource _cancel = new(), _leaving = new();
    private Task? _run;
    private Task<StartOutcome>? _starting;

    /// <summary>Created by Orleans.</summary>
    public SummaryGrain([PersistentState("summary", StorageNames.Summarizer)] IPersistentState<JobState> state,
        [PersistentState("document", StorageNames.Summarizer)] IPersistentState<JobDocument> document,
        ModelHost models, InferenceScheduler scheduler, ShardAcquisition acquisition, DecodeModePolicy modes, IJobEventStore events, SiloJobSlots slots,
        IOptions<SummarizerOptions> options, ILogger<SummaryGrain> logger, SummarizerMetrics metrics)
    {
        _metrics = metrics;
        _state = state;
        _document = document;
        _models = models;
        _scheduler = scheduler;
        _acquisition = acquisition;
        _modes = modes;
        _options = options.Value;
        _logger = logger;
        _events = new JobEventLog(JobId, events, logger);
        _slots = new JobSlots(JobId, slots, GrainFactory, _options.OutageLimit, logger);
        _migration = new JobMigration(_options.PreferDocumentSilo, logger);
    }

    private SummaryJob Job => _state.State.Job;

    private string JobId => this.GetPrimaryKeyString();

    private SiloAddress Here => GrainContext.Address.SiloAddress!;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_state.State.Accepted || Job.IsFinished) return Task.CompletedTask;
        // Unfinished: its silo was lost (or stopped), or it moved here. Accepted earlier, so it runs whatever the bounds.
        if (!_migration.Arrived)
        {
            _state.State.Job = Job with { Resumes = Job.Resumes + 1 };
            _logger.LogWarning("Resuming job {Job} after losing its silo.", JobId);
        }
        _slots.TakeSilo();
        StartRun(resumed: !_migration.Arrived);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _events.Close();
        if (reason.ReasonCode == DeactivationReasonCode.Migrating)
        {
            // Best effort: should the target refuse, this call activates the job again wherever it now lives.
            _ = GrainFactory.GetGrain<ISummaryGrain>(JobId).GetAsync();
            return;
        }
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && _run is { IsCompleted: false })
        {
            // The silo is leaving (scale-in, rolling update): the running job may finish within the deactivation budget;
            // if not, it goes on from its log on a remaining silo, activated at once by this call.
            try { await _run.WaitAsync(cancellationToken); }
            catch (OperationCanceledException)
            {
                _logger.LogWarning("Job {Job} did not finish before its silo shut down; another silo resumes it.", JobId);
                _ = GrainFactory.GetGrain<ISummaryGrain>(JobId).GetAsync();
            }
        }
        _leaving.Cancel();
    }

    /// <inheritdoc />
    public void OnDehydrate(IDehydrationContext dehydrationContext) => dehydrationContext.TryAddValue(JobMigration.ContextKey, true);

    /// <inheritdoc />
    public void OnRehydrate(IRehydrationContext rehydrationContext) =>
        _migration.Arrived = rehydrationContext.TryGetValue(JobMigration.ContextKey, out bool moved) && moved;

    /// <inheritdoc />
    public Task<StartOutcome> StartAsync(SummaryRequest request)
    {
        if (_state.State.Accepted) return Task.FromResult(new StartOutcome(Job, null));
        // A caller repeating a start still under way (after a timeout) gets that start's outcome.
        if (_starting is { IsCompleted: false }) return _starting;
        return _starting = StartCoreAsync(request);
    }

    private async Task<StartOutcome> StartCoreAsync(SummaryRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Text)) throw new ArgumentException("The document is empty or whitespace only.", "text");
        RequestOptionsMapper.ToModel(request.Options);
        // The bounds first; a refusal changes nothing stored (this silo's count is memory, the tenant's is not written).
        JobLimitRefusal? refusal;
        try { refusal = await _slots.TryTakeAsync(request.Tenant, _options.JobLimitRetryAfterSeconds); }
        catch (Exception e) when (StoreCalls.IsStoreFailure(e)) { throw Unavailable(e); }
        if (refusal is not null)
        {
            _logger.LogInformation("Refused job {Job}: {Bound} ({Limit}) reached.", JobId, refusal.Bound, refusal.Limit);
            return new StartOutcome(null, refusal);
        }
        try
        {
            // The text first: a recorded job can always have its document encoded, on whichever silo resumes it.
            _document.State.Text = request.Text;
            await _document.WriteStateAsync();
            _state.State.Job = new SummaryJob { JobId = JobId, Tenant = request.Tenant, Status = SummaryStatus.Queued, Options = request.Options, CreatedAt = DateTimeOffset.UtcNow };
            await _state.WriteStateAsync();
            _metrics.JobSubmitted(request.Tenant); // telemetry
        }
        catch (Exception e)
        {
            // Not recorded means not accepted: forget it and give the slots back (a tenant slot that cannot be given back
            // now is freed by the admission grain's check, as this job will never run).
            _state.State = new JobState();
            _document.State = new JobDocument();
            await _slots.ReleaseAsync(request.Tenant, finished: true);
            throw StoreCalls.IsStoreFailure(e) ? Unavailable(e) : e;
        }
        StartRun(resumed: false);
        return new StartOutcome(Job, null);
    }

    private StorageUnavailableException Unavailable(Exception e)
    {
        var failure = StoreCalls.Describe(JobStore, e);
        _logger.LogWarning(e, "Job {Job} could not be recorded: {Reason}", JobId, failure.Message);
        return new StorageUnavailableException(failure.Message, failure.Transient);
    }

    /// <inheritdoc />
    public Task<bool> IsRunningAsync() => Task.FromResult(_starting is { IsCompleted: false } || (_state.State.Accepted && !Job.IsFinished));

    /// <inheritdoc />
    public async Task<SummaryJob?> GetAsync()
    {
        if (!_state.State.Accepted) return null;
        if (!Job.IsFinished) await _events.LoadAsync();
        return Snapshot();
    }

    /// <inheritdoc />
    public async Task<SummaryJob?> CancelAsync()
    {
        if (!_state.State.Accepted) return null;
        if (!Job.IsFinished) _cancel.Cancel();
        // The run notices at its next step (a queued encode is not waited for); a store outage may hold its last event.
        if (_run is not null) await Task.WhenAny(_run, Task.Delay(CancelWait));
        return Snapshot();
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SummaryEvent> WatchAsync(long afterSequence) => WatchCoreAsync(afterSequence);

    // The enumerator's token is cancelled when the watcher goes away, so no watch outlives its client.
    private async IAsyncEnumerable<SummaryEvent> WatchCoreAsync(long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!_state.State.Accepted) yield break;
        await foreach (var e in _events.WatchAsync(afterSequence, cancellationToken)) yield return e;
    }

    /// <summary>The job as a client sees it: finished jobs from their state, running ones with what their log holds so far.</summary>
    private SummaryJob Snapshot() => Job.IsFinished
        ? Job
        : Job with { TokenIds = _events.TokenIds, Text = _events.Text, LastSequence = _events.LastSequence };

    private void StartRun(bool resumed) => _run ??= RunAsync(resumed);

    private async Task RunAsync(bool resumed)
    {
        // The activation is never collected while the job runs, however long it goes without calls; once it ends,
        // the normal idle age applies again.
        DelayDeactivation(TimeSpan.MaxValue);
        try
        {
            // A conflict means another activation published meanwhile (this one outlived its silo's shutdown): read
            // the log again and go on from it.
            for (int attempt = 1; await RunOnceAsync(resumed) && attempt < 5; attempt++)
            {
                await _events.ReloadAsync();
                _slots.TakeSilo();
                resumed = true;
            }
        }
        finally { DelayDeactivation(TimeSpan.Zero); }
    }

    /// <summary>One run of the job; true when it must run again from a reloaded log.</summary>
    private async Task<bool> RunOnceAsync(bool resumed)
    {
        var cancel = _cancel.Token;
        var statistics = new JobStatistics(Job.Statistics);
        JobTelemetry? telemetry = null;
        DecoderMemory? memory = null;
        try
        {
            await _events.LoadAsync();
            if (_events.Terminal is { } terminal)
            {
                // The job ended, but its state was not written before its silo went: the log says how.
                await FinishAsync(terminal, append: false);
                return false;
            }
            // Spans, log scope and metrics of this run; only a run that has published nothing can time the first token.
            telemetry = _metrics.TrackJob(JobId, Job.Tenant, Job.CreatedAt, firstRun: _events.TokenIds.Count == 0, _logger);
            statistics = new JobStatistics(Job.Statistics, telemetry);
            if (resumed) await _slots.HoldTenantAsync(Job.Tenant);
            var model = await LoadModelAsync(cancel);
            var text = _document.State.Text ?? throw new JobFailedException(JobFailureReason.Internal, "The job's document is no longer stored; submit it again.");
            var (normalized, hash) = await TextIdentity.ComputeAsync(text, cancel);
            var documentKey = new DocumentKey(Job.Tenant, hash, model.Fingerprint);
            await SetJobAsync(Job with { Status = SummaryStatus.Encoding, DocumentKey = documentKey.ToString(), Silo = RuntimeIdentity });

            statistics.EncodeStarted();
            var document = GrainFactory.GetGrain<IDocumentGrain>(documentKey.ToString());
            var encoded = await EncodeFollower.FollowAsync(document, new DocumentSource(normalized, Job.Options.ShardLength, Job.Options.ShardOverlap),
                _events.LastProgress is { } p ? (p.ShardsDone, p.ShardsTotal) : null,
                progress => PublishAsync(new SummaryEvent { Kind = SummaryEventKind.Progress, ShardsDone = progress.ShardsDone, ShardsTotal = progress.ShardsTotal }),
                _options.OutageLimit, _logger, cancel);
            statistics.Encoded(encoded.EncoderRuns);
            var manifest = encoded.Manifest;
            if (manifest.Status != DocumentStatus.Encoded) throw new JobFailedException(JobFailureReason.Encoding, manifest.Error ?? "The document could not be encoded.");

            var options = RequestOptionsMapper.ToModel(Job.Options);
            var mode = _modes.Choose(Job.Options.DecodeMode, manifest.TotalBytes);
            if (mode == DecodeMode.Distributed)
            {
                var layout = await DecoderMemory.PlaceShardsAsync(GrainFactory, manifest, _options.OutageLimit, _logger, cancel);
                if (await MoveAsync(layout.BySilo, statistics)) return false;
                memory = DecoderMemory.Distributed(layout, model, options, _options.OutageLimit, _logger);
                statistics.Placed(manifest, mode, layout.SiloCount, layout.BySilo.GetValueOrDefault(Here) / (double)manifest.ShardCount, 0);
            }
            else
            {
                // The document grain's silo already holds every freshly encoded shard in memory: decode there.
                if (encoded.Silo is { } documentSilo && await MoveAsync(new Dictionary<SiloAddress, int> { [documentSilo] = manifest.ShardCount }, statistics)) return false;
                memory = await DecoderMemory.LocalAsync(_acquisition, manifest, model, options, Job.Options.Attribution == true, cancel);
                statistics.Placed(manifest, mode, shardSilos: 0, encoded.Silo == Here ? 1 : 0, memory.RepairRuns);
            }
            statistics.DecodeStarted();
            await SetJobAsync(Job with { Status = SummaryStatus.Decoding, Statistics = statistics.Current });
            var (result, summary) = await GenerationStream.RunAsync(model, memory, options, mode, _scheduler,
                $"decode-{JobId}", _events, PublishAsync, statistics, cancel);
            var done = await JobAttribution.AttachAsync(
                new SummaryEvent { Kind = SummaryEventKind.Done, Text = summary, TokenIds = result.GeneratedIds.ToArray(), Statistics = statistics.Current },
                Job.Options, memory.Attribution, model, text, result, _logger, cancel);
            await FinishAsync(done, append: true);
            statistics.Ended(SummaryStatus.Completed);
        }
        catch (OperationCanceledException) when (_leaving.IsCancellationRequested)
        {
            // The activation is going away; the job goes on from its log wherever it is activated next.
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await FinishAsync(new SummaryEvent { Kind = SummaryEventKind.Error, Error = JobEnding.Cancelled }, append: true, statistics.Current);
            statistics.Ended(SummaryStatus.Cancelled);
        }
        catch (EventLogConflictException e)
        {
            _logger.LogWarning("{Reason} Reading the log again.", e.Message);
            return true;
        }
        catch (Exception e)
        {
            var reason = UserFacingError.Describe(e, _logger, $"Summary job {JobId}");
            await FinishAsync(new SummaryEvent { Kind = SummaryEventKind.Error, Error = reason }, append: true, statistics.Current);
            statistics.Ended(SummaryStatus.Failed, e);
        }
        finally
        {
            memory?.Dispose();
            telemetry?.Dispose();
            // Normally given back before the final event was published; here when the run stops unfinished.
            await _slots.ReleaseAsync(Job.Tenant, Job.IsFinished);
        }
        return false;
    }

    private async Task<SummarizationModel> LoadModelAsync(CancellationToken cancel)
    {
        try { return await _models.GetAsync().WaitAsync(cancel); }
        catch (Exception e) when (e is not OperationCanceledException) { throw new JobFailedException(JobFailureReason.Model, e.Message); }
    }

    /// <summary>Moves the job towards its shards when <see cref="JobMigration"/> says so; true when it is leaving.</summary>
    private async Task<bool> MoveAsync(IReadOnlyDictionary<SiloAddress, int> shardsBySilo, JobStatistics statistics)
    {
        if (_migration.Target(shardsBySilo, Here, Job.Migrations) is not { } target) return false;
        await SetJobAsync(Job with { Migrations = Job.Migrations + 1, Statistics = statistics.Current });
        _migration.Start(this, target);
        // Watchers' streams end without a final event; clients resubscribe and reach the new activation.
        _events.Close();
        return true;
    }

    /// <summary>
    /// Ends the job with <paramref name="terminal"/>: its slots are given back first (a client that submits again on
    /// "done" is not refused), the event is made durable, and only then does the job's status say so.
    /// </summary>
    private async Task FinishAsync(SummaryEvent terminal, bool append, SummaryStatistics? statistics = null)
    {
        await _slots.ReleaseAsync(Job.Tenant, finished: true);
        if (append) terminal = await PublishAsync(terminal);
        _state.State.Job = JobEnding.Apply(Job, terminal, _events, statistics);
        await SetJobAsync(Job);
        try { await _document.ClearStateAsync(); }
        catch (Exception e) { _logger.LogWarning("Job {Job} could not drop its stored document text: {Reason}", JobId, RetryPolicy.Describe(e)); }
    }

    private Task<SummaryEvent> PublishAsync(SummaryEvent e) => _events.AppendAsync(e, _leaving.Token);

    /// <summary>Records the job's new snapshot; a store outage is waited out (the job pauses), never given up on.</summary>
    private Task SetJobAsync(SummaryJob job)
    {
        _state.State.Job = job;
        return StoreCalls.WriteAsync(_state, JobStore, StoreCalls.Forever, _logger, _leaving.Token);
    }
}
