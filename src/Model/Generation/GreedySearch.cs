namespace Summarizer.Model.Generation;

/// <summary>Greedy decoding: the highest-scoring token after the logits rules, one step at a time.</summary>
public static class GreedySearch
{
    /// <summary>
    /// Generates from <paramref name="target"/> (one row). Every token is passed to <paramref name="onDecided"/> as
    /// soon as it is chosen, since greedy never revises one.
    /// </summary>
    public static GenerationResult Run(IDecodeTarget target, GenerationSettings settings,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default)
    {
        settings.Validate(target.VocabSize);
        var processors = new LogitsProcessors(settings);
        var tokens = new List<int> { settings.DecoderStartTokenId };
        int steps = 0;
        while (tokens.Count < settings.MaxLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scores = target.Step([tokens[^1]], logSoftmax: false);
            steps++;
            processors.Apply(scores, tokens);
            int next = ArgMax(scores);
            tokens.Add(next);
            onDecided?.Invoke([next]);
            if (settings.IsEos(next)) break;
        }
        return new GenerationResult(tokens, 0, steps);
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best]) best = i;
        }
        return best;
    }
}
