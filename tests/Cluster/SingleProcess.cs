using Summarizer.Contracts;
using Summarizer.Model.Attention;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;

namespace Summarizer.Cluster.Tests;

/// <summary>
/// What one process generates for a document with the cluster's sharding (256-token windows), exactly
/// <c>newTokens</c> tokens, no n-gram blocking, with the given beams (null: the checkpoint's): the reference the
/// cluster's output is compared with.
/// </summary>
internal static class SingleProcess
{
    /// <summary>The request options the cluster is asked for, matching the reference's.</summary>
    public static object Options(int newTokens, string decodeMode, int? beams = null) =>
        new { maxNewTokens = newTokens, minNewTokens = newTokens, noRepeatNgramSize = 0, decodeMode, beams };

    /// <summary>The reference tokens.</summary>
    public static IReadOnlyList<int> Tokens(string text, int newTokens) => Run(text, newTokens).Tokens;

    /// <summary>
    /// The reference tokens, and the smallest gap between the two best candidates at any step of that run: above
    /// <see cref="NearTies.Margin"/>, the float rounding that batching (and a prefix pass) changes cannot change a
    /// token (<see cref="NearTies"/>; beam search: among the best 2·beams + 1 candidates).
    /// </summary>
    public static (IReadOnlyList<int> Tokens, float SmallestGap) Run(string text, int newTokens, int? beams = null)
    {
        using var model = SummarizationModel.Load(TinyCheckpoint.Directory);
        var shards = model.EncodeDocument("reference", model.TokenizeContent(DocumentKeys.Normalize(text)), new ShardingOptions(256, 31));
        try
        {
            var options = new SummaryOptions { MaxNewTokens = newTokens, MinNewTokens = newTokens, NoRepeatNgramSize = 0, NumBeams = beams };
            using var memory = new ShardedCrossAttention(shards, options.CrossAttention);
            var (result, gap) = NearTies.Solo(model.Network, memory, model.ResolveSettings(options));
            return (result.GeneratedIds, gap);
        }
        finally
        {
            foreach (var s in shards) s.Dispose();
        }
    }
}
