using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Summaries.Events;
using Summarizer.Model.Generation;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries.Generation;

/// <summary>
/// Generation streaming: runs a job's search (<see cref="GenerationRun"/>: in the silo's batch, or beside it when
/// distributed) after the tokens its log already holds, and publishes what it decides as the job's delta events
/// (<see cref="TokenStream"/>), in order, each durable before the next. Its inputs are a memory, the log and a publish
/// function; its output is the search's result.
/// </summary>
internal static class GenerationStream
{
    /// <summary>Generates, streams, and returns the result with the whole summary text.</summary>
    public static async Task<(GenerationResult Result, string Summary)> RunAsync(SummarizationModel model, DecoderMemory memory, SummaryOptions options,
        DecodeMode mode, InferenceScheduler scheduler, string name, JobEventLog log, Func<SummaryEvent, Task> publish, JobStatistics statistics, CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var published = log.TokenIds.ToArray();
        var run = GenerationRun.Start(model, memory.Create, options, mode, published, scheduler, name, stop.Token, memory.Attribution);
        try
        {
            var tokens = new TokenStream(model.Tokenizer.CreateStreamingDecoder(), published,
                tailPublished: log.Events.LastOrDefault(e => e.Kind == SummaryEventKind.Delta) is { TokenIds.Count: 0 });
            await foreach (var ids in run.Decided.ReadAllAsync(CancellationToken.None))
            {
                statistics.TokenDecided();
                if (tokens.Accept(ids) is not { } delta) continue;
                await publish(delta);
                statistics.Published(delta.TokenIds.Count);
            }
            var result = await run.Result;
            if (tokens.Flush() is { } tail) await publish(tail);
            statistics.Completed(result, run.CrossAttentionTime, memory.Scatter);
            return (result, model.Tokenizer.Decode(result.GeneratedIds));
        }
        finally
        {
            // Leaving early (a publish failed): the search must stop before the job lets its shards go.
            stop.Cancel();
            try { await run.Result; }
            catch (Exception) when (run.Result.IsCompleted) { }
        }
    }
}
