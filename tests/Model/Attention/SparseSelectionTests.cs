using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

public sealed class SparseSelectionTests
{
    private const int Heads = 4, Dim = 8, Shards = 16;

    /// <summary>Each row's chosen shards, read back from the selection.</summary>
    private static int[][] ChosenPerRow(SparseSelection selection, int batch)
    {
        var hidden = selection.HiddenAmong(selection.Union) ?? new bool[batch * selection.Union.Count];
        return Enumerable.Range(0, batch)
            .Select(b => selection.Union.Where((_, u) => !hidden[b * selection.Union.Count + u]).ToArray())
            .ToArray();
    }

    private static (Tensor Query, Tensor MeanKeys, Tensor LogLengths, float[,] Scores) Disagreeing(int batch, int seed)
    {
        manual_seed(seed);
        var query = randn(batch, Heads, 1, Dim);
        var meanKeys = randn(Shards, Heads, Dim);
        var logLengths = zeros(Shards);
        var scores = ShardScore.Compute(query, meanKeys, logLengths).cpu();
        var table = new float[batch, Shards];
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < Shards; s++) table[b, s] = scores[b, s].item<float>();
        return (query, meanKeys, logLengths, table);
    }

    private static int[] TopK(IEnumerable<int> among, Func<int, float> score, int k) => among.OrderByDescending(score).Take(k).Order().ToArray();

    [Fact]
    public void WithoutALimitEveryRowAttendsItsOwnTopK()
    {
        using var scope = NewDisposeScope();
        var (query, meanKeys, logLengths, scores) = Disagreeing(batch: 4, seed: 21);

        var selection = SparseSelection.Choose(CrossAttentionMode.Sparse(3, int.MaxValue), query, meanKeys, logLengths);

        var chosen = ChosenPerRow(selection, 4);
        for (int b = 0; b < 4; b++) Assert.Equal(TopK(Enumerable.Range(0, Shards), s => scores[b, s], 3), chosen[b]);
        Assert.True(selection.Union.Count > 6, $"the rows agree too much for this test ({selection.Union.Count} shards)");
    }

    [Fact]
    public void BeamsThatDisagreeReadAtMostTheUnionLimitEachPickingItsTopKAmongTheShardsTheRowsScoreHighest()
    {
        using var scope = NewDisposeScope();
        var (query, meanKeys, logLengths, scores) = Disagreeing(batch: 4, seed: 21);

        var selection = SparseSelection.Choose(CrossAttentionMode.Sparse(3, 6), query, meanKeys, logLengths);

        Assert.True(selection.Union.Count <= 6, $"{selection.Union.Count} shards read");
        var candidates = TopK(Enumerable.Range(0, Shards), s => Enumerable.Range(0, 4).Max(b => scores[b, s]), 6);
        var chosen = ChosenPerRow(selection, 4);
        for (int b = 0; b < 4; b++) Assert.Equal(TopK(candidates, s => scores[b, s], 3), chosen[b]);
    }

    [Fact]
    public void OneRowIsNeverRestrictedAndTheDefaultLimitIsTwiceK()
    {
        using var scope = NewDisposeScope();
        var (query, meanKeys, logLengths, scores) = Disagreeing(batch: 1, seed: 22);

        var selection = SparseSelection.Choose(CrossAttentionMode.Sparse(5, 5), query, meanKeys, logLengths);

        Assert.Equal(TopK(Enumerable.Range(0, Shards), s => scores[0, s], 5), ChosenPerRow(selection, 1)[0]);
        Assert.Equal(8, CrossAttentionMode.Sparse(4).ShardsPerStep);
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossAttentionMode.Sparse(4, 3));
    }

    [Fact]
    public void FoldedPrefixPositionsAreBoundedPerPositionAsStepByStepDecodingWas()
    {
        using var scope = NewDisposeScope();
        var (query, meanKeys, logLengths, scores) = Disagreeing(batch: 4, seed: 21);
        var mode = CrossAttentionMode.Sparse(3, 3);

        // One row at four positions: each position alone is one row, never restricted.
        var perPosition = ChosenPerRow(SparseSelection.Choose(mode, query, meanKeys, logLengths, positions: 4), 4);
        for (int b = 0; b < 4; b++) Assert.Equal(TopK(Enumerable.Range(0, Shards), s => scores[b, s], 3), perPosition[b]);

        // Two beams at two positions (row r·2 + t): rows 0 and 2 are position 0, rows 1 and 3 position 1, each pair bounded apart.
        var twoByTwo = ChosenPerRow(SparseSelection.Choose(mode, query, meanKeys, logLengths, positions: 2), 4);
        foreach (var rows in new[] { new[] { 0, 2 }, new[] { 1, 3 } })
        {
            var candidates = TopK(Enumerable.Range(0, Shards), s => rows.Max(b => scores[b, s]), 3);
            foreach (var b in rows) Assert.Equal(TopK(candidates, s => scores[b, s], 3), twoByTwo[b]);
        }
    }
}
