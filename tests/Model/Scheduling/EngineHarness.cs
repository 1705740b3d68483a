using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Scheduling;
using Summarizer.TestSupport;

namespace Summarizer.Model.Tests.Scheduling;

/// <summary>Documents, solo runs and the near-tie check (<see cref="NearTies"/>) shared by the scheduling tests.</summary>
internal static class EngineHarness
{
    /// <summary>Smallest score gap a token comparison accepts (<see cref="NearTies"/>).</summary>
    public const float TieMargin = NearTies.Margin;

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

    /// <summary>The smallest gap between the best candidates over a solo run of the job (<see cref="NearTies"/>).</summary>
    public static float SmallestGap(BartModel model, IReadOnlyList<KvShard> shards, CrossAttentionMode mode, GenerationSettings settings)
    {
        using var memory = new ShardedCrossAttention(shards, mode);
        return NearTies.SmallestGap(model, memory, settings);
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
}
