using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Scheduling;

namespace Summarizer.Model.Tests.Scheduling;

/// <summary>
/// Documents, solo runs and the near-tie check shared by the scheduling tests.
/// Near ties: a batch changes float rounding (each product now includes other rows), so a job's logits in a batch
/// equal its logits alone only to about 1e-6 here. Tokens can then differ only where two candidates were closer than
/// that. Every test that compares tokens exactly first runs each job alone and measures, at every step, the smallest
/// gap between consecutive scores among the best candidates the search chooses from (greedy: the best two; beam
/// search: the best 2·beams + 1, after the logits rules and beam scores), and requires it to exceed
/// <see cref="TieMargin"/>: ten times the logit difference <c>BatchedDecodingTests</c> tolerates between a row in a
/// batch and the same row alone (1e-5; 2.5e-6 was the largest seen), so no ranking a search acts on can flip. Seeds
/// were picked so that it holds; the check keeps them honest.
/// </summary>
internal static class EngineHarness
{
    /// <summary>Smallest score gap a token comparison accepts (see the class remarks).</summary>
    public const float TieMargin = 1e-4f;

    public static BartModel NewModel() => TinyBart.Create(TinyBart.Config(maxPositions: 256));

    public static IReadOnlyList<KvShard> Document(BartModel model, int tokens, int seed, int shardLength = 64) =>
        TinyBart.EncodeDocument(model, TinyBart.RandomTokens(tokens, seed), shardLength);

    /// <summary>Settings of a job: greedy or beam search, EOS never favoured (no early end), HF rules on.</summary>
    public static GenerationSettings Settings(int maxLength, int beams) => TinyBart.Settings(maxLength, beams) with
    {
        EarlyStopping = Summarizer.Model.Configuration.EarlyStoppingMode.Heuristic,
        NoRepeatNgramSize = 3,
    };

    /// <summary>A memory the engine may dispose without touching the shards.</summary>
    public static Func<ICrossAttentionMemory> Memory(IReadOnlyList<KvShard> shards, CrossAttentionMode mode) =>
        () => new ShardedCrossAttention(shards, mode);

    public static DecodeJobRequest Request(BartModel model, IReadOnlyList<KvShard> shards, CrossAttentionMode mode, GenerationSettings settings) =>
        new(model, Memory(shards, mode), settings);

    /// <summary>The job run alone, the way generation ran before the scheduler (one job, one decode target).</summary>
    public static GenerationResult Alone(BartModel model, IReadOnlyList<KvShard> shards, CrossAttentionMode mode, GenerationSettings settings,
        IReadOnlyList<int>? published = null, Action<IReadOnlyList<int>>? onDecided = null)
    {
        using var memory = new ShardedCrossAttention(shards, mode);
        using var target = new LocalDecodeTarget(model, memory);
        return DecodeSearch.Run(DecodeSearch.Create(settings, model.VocabSize, published), target, onDecided, default);
    }

    /// <summary>Runs iterations on this thread until the engine has nothing left to do.</summary>
    public static int Drain(IterationEngine engine, int limit = 10_000)
    {
        int iterations = 0;
        while (engine.RunIteration())
        {
            if (++iterations > limit) throw new InvalidOperationException("The engine did not go idle.");
        }
        return iterations;
    }

    /// <summary>The smallest gap between the best candidates over a solo run of the job (see the class remarks).</summary>
    public static float SmallestGap(BartModel model, IReadOnlyList<KvShard> shards, CrossAttentionMode mode, GenerationSettings settings)
    {
        using var memory = new ShardedCrossAttention(shards, mode);
        using var target = new LocalDecodeTarget(model, memory);
        var search = DecodeSearch.Create(settings, model.VocabSize);
        int best = settings.NumBeams == 1 ? 2 : 2 * settings.NumBeams + 1;
        float gap = float.PositiveInfinity;
        while (!search.IsDone)
        {
            var scores = target.Step(search.LastTokens, search.LogProbabilities);
            var step = search.Advance(scores);   // the scores now hold what the search chose from
            gap = Math.Min(gap, GapAmongBest(scores, best));
            if (step.Reorder is { } rows) target.Reorder(rows);
        }
        return gap;
    }

    /// <summary>Requires every job's solo run to be free of near ties, naming the one that is not.</summary>
    public static void RequireNoNearTies(BartModel model, params SoloJob[] jobs)
    {
        for (int i = 0; i < jobs.Length; i++)
        {
            float gap = SmallestGap(model, jobs[i].Shards, jobs[i].Mode, jobs[i].Settings);
            Assert.True(gap > TieMargin, $"Job {i} has a near tie (gap {gap:G3}); pick another seed.");
        }
    }

    /// <summary>A job as the near-tie check runs it alone.</summary>
    public sealed record SoloJob(IReadOnlyList<KvShard> Shards, CrossAttentionMode Mode, GenerationSettings Settings);

    private static float GapAmongBest(float[] scores, int count)
    {
        // Candidates at -1e9 (beams out of play at the start) or -inf (ruled out) tie exactly in every batch: not near ties.
        var top = scores.Where(s => s > -1e8f).OrderDescending().Take(count).ToArray();
        float gap = float.PositiveInfinity;
        for (int i = 1; i < top.Length; i++) gap = Math.Min(gap, top[i - 1] - top[i]);
        return gap;
    }
}
