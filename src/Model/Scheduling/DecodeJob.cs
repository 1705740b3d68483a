using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Summarizer.Model.Network;

namespace Summarizer.Model.Scheduling;

/// <summary>
/// A job submitted to the <see cref="IterationEngine"/>: its search, and, while it runs, its decode target (cache and
/// memory). Callers await <see cref="Completion"/>; everything else is the engine's, on the engine's thread.
/// </summary>
public sealed class DecodeJob
{
    private readonly TaskCompletionSource<GenerationResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ICrossAttentionMemory? _memory;

    internal DecodeJob(DecodeJobRequest request)
    {
        Request = request;
        // Positions 0 .. MaxLength - 2 are fed; a longer request could never finish.
        if (request.Settings.MaxLength - 1 > request.Network.MaxDecoderPositions)
            throw new ArgumentException($"max_length {request.Settings.MaxLength} needs {request.Settings.MaxLength - 1} decoder positions; the network has {request.Network.MaxDecoderPositions}.", nameof(request));
        Search = DecodeSearch.Create(request.Settings, request.Network.VocabSize, request.Published, request.Attribution);
    }

    /// <summary>The job's name (for logs), or empty.</summary>
    public string Name => Request.Name ?? "";

    /// <summary>Rows the job adds to every batched step (1 for greedy, the beams for beam search).</summary>
    public int Rows => Search.Rows;

    /// <summary>The result: completes with the output, faults with the job's own failure, or is cancelled.</summary>
    public Task<GenerationResult> Completion => _completion.Task;

    /// <summary>The first iteration whose step included this job, once it has joined.</summary>
    public long? JoinedAtIteration { get; private set; }

    /// <summary>The iteration in which the job left (finished, failed or cancelled), once it has.</summary>
    public long? LeftAtIteration { get; private set; }

    /// <summary>Decoder passes this job took part in (its prefix pass counts as one).</summary>
    public int Steps => Search.Steps;

    internal DecodeJobRequest Request { get; }

    internal IDecodeSearch Search { get; }

    internal LocalDecodeTarget? Target { get; private set; }

    internal bool IsFinished => _completion.Task.IsCompleted;

    internal bool IsCancellationRequested => Request.Cancellation.IsCancellationRequested;

    /// <summary>Builds the memory and the cache, on the engine's thread, as the job joins iteration <paramref name="iteration"/>.</summary>
    internal void Join(long iteration)
    {
        JoinedAtIteration = iteration;
        _memory = Request.CreateMemory();
        Target = new LocalDecodeTarget(Request.Network, _memory);
    }

    /// <summary>Applies a search step: reorders rows, hands over decided tokens, completes the job when it is done.</summary>
    internal void Apply(SearchStep step, long iteration)
    {
        if (step.Reorder is { } rows) Target!.Reorder(rows);
        if (step.Decided.Count > 0) Request.OnDecided?.Invoke(step.Decided);
        if (step.Done) Finish(iteration, () => _completion.TrySetResult(Search.Result));
    }

    internal void Fail(Exception error, long iteration) => Finish(iteration, () => _completion.TrySetException(error));

    internal void Cancel(long iteration) => Finish(iteration, () => _completion.TrySetCanceled(Request.Cancellation));

    /// <summary>Finishes from outside a step: done before any decoding (everything was published already).</summary>
    internal void CompleteUnstarted(long iteration) => Finish(iteration, () => _completion.TrySetResult(Search.Result));

    private void Finish(long iteration, Action complete)
    {
        if (IsFinished) return;
        LeftAtIteration = iteration;
        // Tensors first, then the awaiting caller: a job's memory is gone by the time anyone sees its end.
        Target?.Dispose();
        if (Request.DisposeMemory) (_memory as IDisposable)?.Dispose();
        Target = null;
        _memory = null;
        complete();
    }
}
