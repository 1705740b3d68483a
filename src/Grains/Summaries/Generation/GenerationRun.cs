using System.Threading.Channels;
using Summarizer.Grains.Inference;
using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries.Generation;

/// <summary>
/// One job's search, run off the Orleans scheduler, handing its token ids over as soon as they are decided. Local
/// decoding is one work item on the silo's inference queue; distributed decoding, which spends most of each step
/// waiting on shard grains, gets a thread of its own so it can never hold the threads those shard grains need. The
/// memory is built on that thread too (stacking a document's K/V is real tensor work). This is the seam an
/// iteration-level scheduler replaces: what the job needs is only <see cref="Decided"/> and <see cref="Result"/>.
/// </summary>
internal sealed class GenerationRun
{
    private readonly Channel<int[]> _decided = Channel.CreateUnbounded<int[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private TimedCrossAttention? _timed;

    private GenerationRun() { }

    /// <summary>Token ids in the order the search decided them; completes when the search ends.</summary>
    public ChannelReader<int[]> Decided => _decided.Reader;

    /// <summary>The search's result.</summary>
    public Task<GenerationResult> Result { get; private set; } = null!;

    /// <summary>Time the decoder spent in cross-attention.</summary>
    public TimeSpan CrossAttentionTime => _timed?.Elapsed ?? TimeSpan.Zero;

    /// <summary>Starts the search over the memory <paramref name="createMemory"/> builds.</summary>
    public static GenerationRun Start(SummarizationModel model, Func<ICrossAttentionMemory> createMemory, SummaryOptions options,
        bool ownThread, InferenceWorker worker, string name, CancellationToken cancellationToken)
    {
        var run = new GenerationRun();
        Func<CancellationToken, GenerationResult> generate = ct =>
        {
            ICrossAttentionMemory? memory = null;
            try
            {
                memory = createMemory();
                run._timed = new TimedCrossAttention(memory);
                return model.Generate(run._timed, options, ids => run._decided.Writer.TryWrite(ids.ToArray()), ct);
            }
            finally
            {
                run._decided.Writer.TryComplete();
                (memory as IDisposable)?.Dispose();
            }
        };
        run.Result = ownThread ? DedicatedThread.RunAsync(name, generate, cancellationToken) : worker.RunAsync(generate, cancellationToken);
        // Cancelled before it ever ran: readers must still see the end of the stream.
        _ = run.Result.ContinueWith(_ => run._decided.Writer.TryComplete(), TaskScheduler.Default);
        return run;
    }
}
