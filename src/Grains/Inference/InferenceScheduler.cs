using Microsoft.Extensions.Logging;
using Summarizer.Model.Attention;
using Summarizer.Model.Attribution;
using Summarizer.Model.Generation;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Scheduling;

namespace Summarizer.Grains.Inference;

/// <summary>
/// The silo's inference thread and what runs on it: an <see cref="IterationEngine"/> that batches every running
/// decoding job's step into one forward pass per iteration (jobs join and leave at iteration boundaries) and runs the
/// silo's other tensor work — tokenizing, encoder batches, projections, (de)serialization — between iterations under
/// <see cref="SchedulerSettings.EncoderBudgetPerIteration"/>. One per silo: jobs are batched per network, so every job
/// of the silo's loaded model shares one batch. The thread is dedicated, never an Orleans scheduler thread, so a
/// forward pass cannot stall grain turns, and TorchSharp's thread-local state (no_grad, dispose scopes) stays on it.
/// </summary>
public sealed class InferenceScheduler : IInferenceQueue, IDisposable
{
    private readonly IterationEngine _engine;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger<InferenceScheduler> _logger;

    /// <summary>Starts the scheduler's thread, named <paramref name="name"/>.</summary>
    public InferenceScheduler(SchedulerSettings settings, ILogger<InferenceScheduler> logger, string name = "inference-scheduler")
    {
        _engine = new IterationEngine(settings);
        _logger = logger;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The settings in force.</summary>
    public SchedulerSettings Settings => _engine.Settings;

    /// <summary>Batch rows, queued jobs and work items, iteration times, job outcomes.</summary>
    public EngineDiagnostics Diagnostics => _engine.Diagnostics;

    /// <summary>Work items and jobs waiting or running.</summary>
    public int Pending
    {
        get
        {
            var d = _engine.Diagnostics;
            return d.QueuedWorkItems + d.QueuedJobs + d.RunningJobs;
        }
    }

    /// <summary>
    /// Whether <see cref="Dispose"/> has asked the thread to stop. An iteration under way still ends first; none starts
    /// after it.
    /// </summary>
    internal bool IsStopping => _stop.IsCancellationRequested;

    /// <summary>Raised on the scheduler's thread after each iteration (for metrics: rows, queue, times).</summary>
    public event Action<IterationReport>? Iterated
    {
        add => _engine.Iterated += value;
        remove => _engine.Iterated -= value;
    }

    /// <summary>Runs tensor work between decoding iterations and completes with its result.</summary>
    public Task<T> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken = default) =>
        _engine.Post(work, cancellationToken);

    /// <summary>
    /// Decodes a summary with <paramref name="model"/>'s network and its generation defaults under
    /// <paramref name="options"/>: the job joins the running batch at the next iteration boundary.
    /// <paramref name="createMemory"/> builds the job's cross-attention memory on the scheduler's thread as it joins
    /// (the scheduler disposes it, if disposable, as the job leaves, before the returned task completes);
    /// <paramref name="published"/> are tokens a resumed job already published, decoded as one prefix pass and never
    /// again; <paramref name="onDecided"/> hears every later token as soon as it is final, on the scheduler's thread,
    /// so it must only hand them on (a channel write). The task completes with the whole output (published tokens
    /// included), faults with this job's own error only, or is cancelled by <paramref name="cancellationToken"/> at the
    /// next iteration boundary. Invalid options fault the task with an <see cref="ArgumentException"/> naming them.
    /// <paramref name="attribution"/> is the trace the memory stages its attention records in, if any: the search keeps
    /// it in step with the rows and beams.
    /// </summary>
    public Task<GenerationResult> GenerateAsync(SummarizationModel model, Func<ICrossAttentionMemory> createMemory, SummaryOptions options,
        IReadOnlyList<int> published, Action<IReadOnlyList<int>>? onDecided, CancellationToken cancellationToken = default,
        AttentionTrace? attribution = null)
    {
        try
        {
            return Submit(new DecodeJobRequest(model.Network, createMemory, model.ResolveSettings(options))
            {
                Published = published,
                OnDecided = onDecided,
                Cancellation = cancellationToken,
                Attribution = attribution,
            }).Completion;
        }
        catch (ArgumentException e)
        {
            return Task.FromException<GenerationResult>(e);
        }
    }

    /// <summary>Queues a job as given (any network, resolved settings); the handle tells when it joined and left.</summary>
    public DecodeJob Submit(DecodeJobRequest request) => _engine.Submit(request);

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            _engine.WaitForWork(_stop.Token);
            if (_stop.IsCancellationRequested) break;
            try
            {
                _engine.RunIteration();
            }
            catch (Exception e)
            {
                // The engine isolates jobs and work items; anything reaching here is the engine's own fault. Keep
                // serving: a dead inference thread would hang every job on the silo.
                _logger.LogError(e, "Inference scheduler iteration failed.");
            }
        }
        // On this thread: running jobs' tensors were made here.
        _engine.Dispose();
    }

    /// <summary>Stops the thread; jobs and work items still held end with an <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        if (!_thread.Join(TimeSpan.FromSeconds(30))) _logger.LogWarning("Inference scheduler thread did not stop within 30 s.");
    }
}
