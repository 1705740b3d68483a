using Summarizer.Model.Generation;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Scheduling;

/// <summary>
/// Iteration-level scheduling of decoding jobs (continuous batching) with other tensor work interleaved. One thread —
/// its owner — calls <see cref="RunIteration"/> in a loop; any thread may <see cref="Submit"/> jobs and
/// <see cref="Post{T}"/> work items. Each iteration:
/// <list type="number">
/// <item>at the boundary, jobs that finished, failed or were cancelled have left; waiting jobs join in arrival order
/// while their rows fit in <see cref="SchedulerSettings.MaxBatchRows"/> (a resumed job decodes its published prefix in
/// one pass of its own as it joins);</item>
/// <item>one batched decoder step runs for every running job's rows (<see cref="IDecoderNetwork.DecodeBatch"/>);</item>
/// <item>each job's search consumes its rows' scores, reorders its rows and hands over the tokens it decided;</item>
/// <item>queued work items run under <see cref="SchedulerSettings.EncoderBudgetPerIteration"/>, at least one, like
/// chunked prefill: a long encode advances every iteration, and a running stream waits at most one step plus the
/// budget plus one item.</item>
/// </list>
/// One job's failure (its memory throws, its callback throws, its search gives up) ends that job alone with its own
/// exception; the others go on in the same iteration.
/// </summary>
public sealed class IterationEngine : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<DecodeJob> _waiting = new();
    private readonly Queue<WorkCompletion> _work = new();
    private readonly List<DecodeJob> _running = [];   // owner thread only
    private int _runningJobs, _runningRows;
    private long _iterations, _workItemsRun, _completed, _failed, _cancelled;
    private double _lastIterationMs, _meanIterationMs;
    private bool _disposed;
    private readonly TimeProvider _time;

    /// <summary>
    /// Creates an engine; nothing runs until its owner calls <see cref="RunIteration"/>. <paramref name="time"/> measures
    /// steps and work items (the system clock unless a test brings its own).
    /// </summary>
    public IterationEngine(SchedulerSettings? settings = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Settings = settings ?? new SchedulerSettings();
        Settings.Validate();
    }

    /// <summary>The engine's settings.</summary>
    public SchedulerSettings Settings { get; }

    /// <summary>Raised on the owner's thread after every <see cref="RunIteration"/> that did something.</summary>
    public event Action<IterationReport>? Iterated;

    /// <summary>Queues a decoding job; it joins at a coming iteration boundary. Invalid settings throw here.</summary>
    public DecodeJob Submit(DecodeJobRequest request)
    {
        var job = new DecodeJob(request);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _waiting.Enqueue(job);
            Monitor.PulseAll(_gate);
        }
        return job;
    }

    /// <summary>
    /// Queues tensor work (tokenizing, an encoder batch, a projection, (de)serialization) to run on the owner's thread
    /// between iterations, and completes with its result. Cancelled before it starts, it never runs.
    /// </summary>
    public Task<T> Post<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = WorkCompletion.Bind(work, cancellationToken, completion);
        lock (_gate)
        {
            if (_disposed) item.Abandon(new ObjectDisposedException(nameof(IterationEngine)));
            else
            {
                _work.Enqueue(item);
                Monitor.PulseAll(_gate);
            }
        }
        return completion.Task;
    }

    /// <summary>A consistent snapshot for diagnostics.</summary>
    public EngineDiagnostics Diagnostics
    {
        get
        {
            lock (_gate)
            {
                return new EngineDiagnostics(_runningJobs, _runningRows, _waiting.Count, _work.Count, _iterations,
                    _lastIterationMs, _meanIterationMs, _workItemsRun, _completed, _failed, _cancelled);
            }
        }
    }

    /// <summary>Blocks the owner until there is something to do or <paramref name="stop"/> is cancelled.</summary>
    public void WaitForWork(CancellationToken stop)
    {
        using var wake = stop.Register(() => { lock (_gate) Monitor.PulseAll(_gate); });
        lock (_gate)
        {
            while (!stop.IsCancellationRequested && !_disposed && _runningJobs == 0 && _waiting.Count == 0 && _work.Count == 0)
                Monitor.Wait(_gate);
        }
    }

    /// <summary>
    /// Runs one iteration on the calling (owner) thread: the boundary, one batched step, the work budget. Returns
    /// whether anything was done (false: nothing to do; call <see cref="WaitForWork"/>).
    /// </summary>
    public bool RunIteration()
    {
        using var noGrad = no_grad();
        long start = _time.GetTimestamp();
        int left = Retire(), joined = Admit();
        int jobs = _running.Count, rows = _running.Sum(j => j.Rows);
        if (jobs > 0)
        {
            _iterations++;
            Step();
            left += Retire();
        }
        var decodeTime = _time.GetElapsedTime(start);
        var (items, workTime) = RunWork(jobs > 0 ? Settings.EncoderBudgetPerIteration : null);
        Publish(jobs, decodeTime, items);
        if (jobs == 0 && items == 0 && joined == 0 && left == 0) return false;
        int queued;
        lock (_gate) queued = _waiting.Count;
        Iterated?.Invoke(new IterationReport(_iterations, jobs, rows, joined, left, queued, decodeTime, items, workTime));
        return true;
    }

    /// <summary>Removes finished jobs and cancels those whose caller gave up; returns how many left.</summary>
    private int Retire()
    {
        int left = 0;
        for (int i = _running.Count - 1; i >= 0; i--)
        {
            var job = _running[i];
            if (!job.IsFinished && job.IsCancellationRequested)
            {
                job.Cancel(_iterations);
                Interlocked.Increment(ref _cancelled);
            }
            if (!job.IsFinished) continue;
            _running.RemoveAt(i);
            left++;
        }
        return left;
    }

    /// <summary>Lets waiting jobs join, first come first served, while their rows fit; returns how many joined.</summary>
    private int Admit()
    {
        int joined = 0, rows = _running.Sum(j => j.Rows);
        while (true)
        {
            DecodeJob job;
            lock (_gate)
            {
                if (!_waiting.TryPeek(out job!)) break;
                // Strictly in order: a large job at the head is never overtaken, so it cannot starve.
                if (!job.IsCancellationRequested && rows > 0 && rows + job.Rows > Settings.MaxBatchRows) break;
                _waiting.Dequeue();
            }
            if (job.IsCancellationRequested)
            {
                job.Cancel(_iterations);
                Interlocked.Increment(ref _cancelled);
                continue;
            }
            joined++;
            if (Join(job))
            {
                _running.Add(job);
                rows += job.Rows;
            }
        }
        return joined;
    }

    /// <summary>Builds the job's memory and cache; a resumed job decodes its prefix in one pass. False if it already left.</summary>
    private bool Join(DecodeJob job)
    {
        try
        {
            job.Join(_iterations + 1);
            if (job.Search.IsDone)
            {
                job.CompleteUnstarted(_iterations + 1);
                Interlocked.Increment(ref _completed);
                return false;
            }
            if (job.Search.Prefix is { } prefix)
            {
                var (scores, logProbs) = job.Target!.Prefill(prefix, job.Rows, job.Search.LogProbabilities, job.Search.WantsPrefixLogProbabilities);
                Advance(job, scores, logProbs);
            }
        }
        catch (Exception e)
        {
            Fail(job, e);
        }
        return !job.IsFinished;
    }

    /// <summary>One batched step per network for every running job, then each job's search.</summary>
    private void Step()
    {
        foreach (var group in _running.GroupBy(j => j.Request.Network))
        {
            var jobs = group.ToArray();
            var lengths = jobs.Select(j => j.Target!.Cache.Length).ToArray();
            var failures = new Exception?[jobs.Length];
            float[]? scores = null;
            using (var scope = NewDisposeScope())
            {
                try
                {
                    var segments = jobs.Select(j => new DecodeSegment(j.Search.LastTokens, j.Target!.Cache, j.Target.Memory)).ToArray();
                    scores = BatchScores.ToHost(group.Key.DecodeBatch(segments, failures), jobs);
                }
                catch (Exception)
                {
                    // Not attributable to one job's memory (the device ran out of memory, the logits could not be
                    // read): each job is stepped again alone, from its cache as it was, and only those that fail
                    // alone fail.
                    scores = null;
                }
            }
            if (scores is null)
            {
                for (int i = 0; i < jobs.Length; i++) StepAlone(jobs[i], lengths[i]);
                continue;
            }
            int offset = 0, vocab = group.Key.VocabSize;
            for (int i = 0; i < jobs.Length; i++)
            {
                int length = jobs[i].Rows * vocab;
                if (failures[i] is { } error) Fail(jobs[i], error);
                else Advance(jobs[i], scores.AsSpan(offset, length), default);
                offset += length;
            }
        }
    }

    private void StepAlone(DecodeJob job, long cacheLength)
    {
        try
        {
            job.Target!.Cache.Truncate(cacheLength);
            Advance(job, job.Target!.Step(job.Search.LastTokens, job.Search.LogProbabilities), default);
        }
        catch (Exception e)
        {
            Fail(job, e);
        }
    }

    private void Advance(DecodeJob job, Span<float> scores, ReadOnlySpan<float> prefixLogProbs)
    {
        try
        {
            job.Apply(job.Search.Advance(scores, prefixLogProbs), _iterations);
            if (job.IsFinished) Interlocked.Increment(ref _completed);
        }
        catch (Exception e)
        {
            Fail(job, e);
        }
    }

    private void Fail(DecodeJob job, Exception error)
    {
        if (job.IsFinished) return;
        job.Fail(error, _iterations);
        Interlocked.Increment(ref _failed);
    }

    /// <summary>Runs queued work items: one when no job decodes (<paramref name="budget"/> null), else until the budget is spent (at least one).</summary>
    private (int Items, TimeSpan Time) RunWork(TimeSpan? budget)
    {
        long start = _time.GetTimestamp();
        int ran = 0;
        while (true)
        {
            WorkCompletion? item;
            lock (_gate)
            {
                if (!_work.TryDequeue(out item)) break;
            }
            if (item.IsDropped) continue;
            item.Run();
            ran++;
            if (budget is not { } limit || _time.GetElapsedTime(start) >= limit) break;
        }
        if (ran > 0) Interlocked.Add(ref _workItemsRun, ran);
        return (ran, _time.GetElapsedTime(start));
    }

    private void Publish(int jobs, TimeSpan decodeTime, int items)
    {
        lock (_gate)
        {
            _runningJobs = _running.Count;
            _runningRows = _running.Sum(j => j.Rows);
            if (jobs == 0) return;
            _lastIterationMs = decodeTime.TotalMilliseconds;
            _meanIterationMs = _meanIterationMs == 0 ? _lastIterationMs : 0.9 * _meanIterationMs + 0.1 * _lastIterationMs;
        }
    }

    /// <summary>
    /// Stops accepting work and ends every job and item still held with an <see cref="ObjectDisposedException"/>.
    /// Call it on the owner's thread, or after the owner has stopped.
    /// </summary>
    public void Dispose()
    {
        DecodeJob[] waiting;
        WorkCompletion[] work;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            waiting = [.. _waiting];
            work = [.. _work];
            _waiting.Clear();
            _work.Clear();
            Monitor.PulseAll(_gate);
        }
        var error = new ObjectDisposedException(nameof(IterationEngine), "The inference scheduler stopped.");
        foreach (var job in _running.Concat(waiting)) job.Fail(error, _iterations);
        _running.Clear();
        foreach (var item in work) item.Abandon(new ObjectDisposedException(nameof(IterationEngine), "The inference scheduler stopped."));
    }
}
