using Summarizer.Model.Attention;
using Summarizer.Model.Documents;
using Summarizer.Model.Generation;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

public sealed class SparseDeviationTests(ITestOutputHelper output)
{
    /// <summary>Attends exactly, and on the same queries measures how far each sparse memory's context is from it.</summary>
    private sealed class DeviationProbe(ShardedCrossAttention exact, IReadOnlyList<ShardedCrossAttention> sparse) : ICrossAttentionMemory
    {
        public double[] SumRelativeError { get; } = new double[sparse.Count];

        public int Calls { get; private set; }

        public Tensor Attend(int layer, Tensor query, int positions = 1)
        {
            var reference = exact.Attend(layer, query, positions);
            for (int i = 0; i < sparse.Count; i++)
            {
                using var diff = sparse[i].Attend(layer, query, positions) - reference;
                SumRelativeError[i] += (diff.norm().item<float>() / reference.norm().item<float>());
            }
            Calls++;
            return reference;
        }
    }

    [Fact]
    public void SparseDeviationFromExactShrinksAsKGrowsAndVanishesAtKEqualsShardCount()
    {
        using var model = SummarizationModel.Load(TinyCheckpoint.Directory);
        var document = TinyCheckpoint.Document(9000, int.MaxValue, "qmsum");
        var shards = model.EncodeDocument(document.Id, model.TokenizeContent(document.Document), new ShardingOptions(256, 32));
        int[] ks = [1, 2, 4, 8, 16, shards.Count];
        var settings = model.ResolveSettings(new SummaryOptions { MaxNewTokens = 32, NumBeams = 1 });

        using var exact = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        var sparse = ks.Select(k => new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(k))).ToArray();
        var probe = new DeviationProbe(exact, sparse);
        IReadOnlyList<int> exactIds;
        using (var target = new LocalDecodeTarget(model.Network, probe)) exactIds = GreedySearch.Run(target, settings).GeneratedIds;

        var deviation = probe.SumRelativeError.Select(e => e / probe.Calls).ToArray();
        var agreement = sparse.Select(memory =>
        {
            using var target = new LocalDecodeTarget(model.Network, memory);
            var ids = GreedySearch.Run(target, settings).GeneratedIds;
            return (double)ids.Zip(exactIds).Count(p => p.First == p.Second) / exactIds.Count;
        }).ToArray();

        output.WriteLine($"{document.Id}: {model.TokenizeContent(document.Document).Count} tokens, {shards.Count} shards of 256");
        for (int i = 0; i < ks.Length; i++)
            output.WriteLine($"k={ks[i],4}: mean relative deviation of cross-attention context {deviation[i]:F4}, greedy token agreement {agreement[i]:P0}");

        Assert.Equal(0, deviation[^1], 6);
        Assert.Equal(1.0, agreement[^1]);
        for (int i = 1; i < ks.Length; i++) Assert.True(deviation[i] <= deviation[i - 1] + 1e-4, $"deviation rose from k={ks[i - 1]} to k={ks[i]}");
        foreach (var m in sparse) m.Dispose();
        foreach (var s in shards) s.Dispose();
    }
}
