using Summarizer.Model.Configuration;
using Summarizer.Model.Generation;

namespace Summarizer.Model.Tests.Generation;

/// <summary>Hugging Face generate() rules that live in the search loops, checked on scripted scores.</summary>
public sealed class GenerateSemanticsTests
{
    /// <summary>Rows of scores chosen by the step number (1-based) and each row's last token; no network.</summary>
    private sealed class ScriptedTarget(int vocab, Func<int, int, float[]> script) : IDecodeTarget
    {
        public int Steps { get; private set; }

        public int VocabSize => vocab;

        public float[] Step(IReadOnlyList<int> lastTokens, bool logSoftmax)
        {
            Steps++;
            return lastTokens.SelectMany(t => script(Steps, t)).ToArray();
        }

        public void Reorder(IReadOnlyList<int> sourceRows) { }

        public void Dispose() { }
    }

    // Vocabulary: 0 start/pad, 1 and 3 are end tokens where a test says so, 2 "a", 4 "b".
    private static float[] Row(float pad, float eos, float a, float eos2, float b) => [pad, eos, a, eos2, b];

    [Fact]
    public void GreedyStopsAtAnyIdOfAnEosList()
    {
        var target = new ScriptedTarget(5, (step, _) => step < 3 ? Row(-9, -5, 0, -5, -1) : Row(-9, -5, -1, 0, -2));
        var settings = new GenerationSettings { MaxLength = 20, DecoderStartTokenId = 0, EosTokenIds = [1, 3] };

        var result = GreedySearch.Run(target, settings);

        Assert.Equal([0, 2, 2, 3], result.SequenceIds);
    }

    [Fact]
    public void BeamSearchFinishesOnAnyIdOfAnEosListAndKeepsThatId()
    {
        var target = new ScriptedTarget(5, (step, _) => step < 2 ? Row(-9, -6, -0.1f, -6, -0.2f) : Row(-9, -6, -2, -0.01f, -2.5f));
        var settings = new GenerationSettings { MaxLength = 20, NumBeams = 2, DecoderStartTokenId = 0, EosTokenIds = [1, 3], EarlyStopping = EarlyStoppingMode.WhenBeamsComplete };

        var result = BeamSearch.Run(target, settings);

        Assert.Equal([0, 2, 3], result.SequenceIds);
    }

    [Fact]
    public void MinLengthSuppressesEveryEosIdAndForcedEosForcesEveryListedId()
    {
        var target = new ScriptedTarget(5, (_, _) => Row(-9, 0, -1, -0.5f, -2));
        var settings = new GenerationSettings { MaxLength = 5, MinLength = 3, DecoderStartTokenId = 0, EosTokenIds = [1, 3], ForcedEosTokenIds = [3] };

        var result = GreedySearch.Run(target, settings);

        // Steps 1-2 may not end (both EOS ids banned); step 3 ends on id 1, the best score once allowed.
        Assert.Equal([0, 2, 2, 1], result.SequenceIds);
        var forced = GreedySearch.Run(new ScriptedTarget(5, (_, _) => Row(-9, -9, 0, -9, -1)), settings with { MinLength = 0 });
        Assert.Equal([0, 2, 2, 2, 3], forced.SequenceIds);
    }

    [Fact]
    public void BeamSearchStopsWhenTheBestRunningBeamCannotBeatTheWorstFinishedOne()
    {
        // Step 1: "a" and "b" run. Step 2: both end (scores -0.15 and -0.25, normalised -0.075 and -0.125) while the best
        // running beam is "a a" at -1.1 (normalised -0.55). transformers >= 4.50 compares -0.55 with the worst finished
        // -0.125 and stops; 4.36-4.49 compared the best candidate overall (-0.075, a finished one) and went on.
        var target = new ScriptedTarget(5, (step, _) => step == 1 ? Row(-10, -3, -0.1f, -10, -0.2f) : Row(-10, -0.05f, -1, -10, -1.1f));
        var settings = new GenerationSettings { MaxLength = 10, NumBeams = 2, DecoderStartTokenId = 0, EosTokenId = 1, EarlyStopping = EarlyStoppingMode.Heuristic };

        var result = BeamSearch.Run(target, settings);

        Assert.Equal([0, 2, 1], result.SequenceIds);
        Assert.Equal(2, result.DecoderSteps);
        Assert.Equal(2, target.Steps);
    }

    [Fact]
    public void BeamSearchAtMaxLengthFinishesTheTopBeamsWithoutAnAppendedEos()
    {
        var target = new ScriptedTarget(5, (_, _) => Row(-10, -5, -0.1f, -10, -0.2f));
        var settings = new GenerationSettings { MaxLength = 4, NumBeams = 2, DecoderStartTokenId = 0, EosTokenId = 1 };

        var result = BeamSearch.Run(target, settings);

        Assert.Equal([0, 2, 2, 2], result.SequenceIds);
        Assert.Equal(3, result.DecoderSteps);
    }
}
