using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Summarizer.Model.Network;

namespace Summarizer.TestSupport;

/// <summary>
/// How tests that compare a batched job's tokens exactly with the same job alone choose inputs. A batch changes float
/// rounding (each product now includes other rows), so a job's logits in a batch equal its logits alone only to about
/// 1e-6 on the test models (<c>BatchedDecodingTests</c> tolerates 1e-5; 2.5e-6 was the largest difference seen).
/// Tokens can then differ only where two candidates were closer than that. Such tests first run each job alone and
/// measure, at every step, the smallest gap between consecutive scores among the candidates the search chooses from
/// (greedy: the best two; beam search: the best 2·beams + 1, after the logits rules and beam scores), and require it to
/// exceed <see cref="Margin"/>, ten times that tolerance, so no ranking a search acts on can flip. Seeds were picked so
/// that it holds; the check keeps them honest.
/// </summary>
public static class NearTies
{
    /// <summary>Smallest score gap a token comparison accepts.</summary>
    public const float Margin = 1e-4f;

    /// <summary>The smallest gap between the best candidates over a solo run of the job.</summary>
    public static float SmallestGap(IDecoderNetwork network, ICrossAttentionMemory memory, GenerationSettings settings) =>
        Solo(network, memory, settings).SmallestGap;

    /// <summary>
    /// A solo run of the job: its output (what <c>SummarizationModel.Generate</c> gives for it) and the smallest gap
    /// between the best candidates over the run, from one decode.
    /// </summary>
    public static (GenerationResult Result, float SmallestGap) Solo(IDecoderNetwork network, ICrossAttentionMemory memory, GenerationSettings settings)
    {
        using var target = new LocalDecodeTarget(network, memory);
        var search = DecodeSearch.Create(settings, network.VocabSize);
        int best = settings.NumBeams == 1 ? 2 : 2 * settings.NumBeams + 1;
        float gap = float.PositiveInfinity;
        while (!search.IsDone)
        {
            var scores = target.Step(search.LastTokens, search.LogProbabilities);
            var step = search.Advance(scores);   // the scores now hold what the search chose from
            gap = Math.Min(gap, GapAmongBest(scores, best));
            if (step.Reorder is { } rows) target.Reorder(rows);
        }
        return (search.Result, gap);
    }

    private static float GapAmongBest(float[] scores, int count)
    {
        // Candidates at -1e9 (beams out of play at the start) or -inf (ruled out) tie exactly in every batch: not near ties.
        var top = scores.Where(s => s > -1e8f).OrderDescending().Take(count).ToArray();
        float gap = float.PositiveInfinity;
        for (int i = 1; i < top.Length; i++) gap = Math.Min(gap, top[i - 1] - top[i]);
        return gap;
    }
}
