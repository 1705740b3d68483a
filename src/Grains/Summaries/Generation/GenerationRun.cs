using System.Threading.Channels;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.Model.Attention;
using Summarizer.Model.Attribution;
using Summarizer.Model.Generation;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries.Generation;

/// <summary>
/// One job's search, run off the Orleans scheduler, handing its token ids over as soon as they are decided. A local job
/// joins the silo's <see cref="InferenceScheduler"/>: its step is one row group of the batched decoder step every
/// running job shares. A distributed job spends most of each step waiting on shard grains, so it runs beside the batch
/// on a thread of its own (joining the batch would make every job wait on its round trips; docs/benchmarks.md has the
/// measurements). Either way the memory is built on the decoding thread (stacking a document's K/V is tensor work), and
/// a resumed job feeds its <c>published</c> tokens as the decoder prefix: one pass rebuilds its cache, none is decoded
/// again.
/// </summary>
internal sealed class GenerationRun
{
    private readonly Channel<int[]> _decided = Channel.CreateUnbounded<int[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private TimedCrossAttention? _timed;

    private GenerationRun() { }

    /// <summary>Token ids after the published ones, in the order the search decided them; completes when the search ends.</summary>
    public ChannelReader<int[]> Decided => _decided.Reader;

    /// <summary>The search's result (published tokens included).</summary>
    public Task<GenerationResult> Result { get; private set; } = null!;

    /// <summary>Time the decoder spent in cross-attention.</summary>
    public TimeSpan CrossAttentionTime => _timed?.Elapsed ?? TimeSpan.Zero;

    /// <summary>
    /// Starts the search over the memory <paramref name="createMemory"/> builds, after <paramref name="published"/>;
    /// <paramref name="attribution"/> is the trace that memory stages its records in (local jobs only).
    /// </summary>
    public static GenerationRun Start(SummarizationModel model, Func<ICrossAttentionMemory> createMemory, SummaryOptions options, DecodeMode mode,
        IReadOnlyList<int> published, InferenceScheduler scheduler, string name, CancellationToken cancellationToken, AttentionTrace? attribution = null)
    {
        var run = new GenerationRun();
        Func<TimedCrossAttention> timed = () => run._timed = new TimedCrossAttention(createMemory());
        Action<IReadOnlyList<int>> onDecided = ids => run._decided.Writer.TryWrite(ids.ToArray());
        run.Result = mode == DecodeMode.Distributed
            ? DedicatedThread.RunAsync(name, ct =>
            {
                using var memory = timed();
                return model.Generate(memory, options, onDecided, ct, published);
            }, cancellationToken)
            : scheduler.GenerateAsync(model, timed, options, published, onDecided, cancellationToken, attribution);
        // However the search ended (or never started), readers see the end of the stream.
        _ = run.Result.ContinueWith(_ => run._decided.Writer.TryComplete(), TaskScheduler.Default);
        return run;
    }
}
