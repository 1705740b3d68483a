namespace Summarizer.Model.Generation;

/// <summary>Greedy decoding: the highest-scoring token after the logits rules, one step at a time.</summary>
public sealed class GreedySearch : IDecodeSearch
{
    private readonly LogitsProcessors _processors;
    private readonly List<int> _tokens;
    private bool _prefixPending, _done;

    /// <summary>A greedy search over <paramref name="vocabSize"/> tokens, continuing after <paramref name="published"/> if given.</summary>
    public GreedySearch(GenerationSettings settings, int vocabSize, IReadOnlyList<int>? published = null)
    {
        settings.Validate(vocabSize);
        Settings = settings;
        _processors = new LogitsProcessors(settings);
        _tokens = [settings.DecoderStartTokenId, .. published ?? []];
        _prefixPending = _tokens.Count > 1;
        // Published tokens that already end the sequence leave nothing to decode.
        _done = _tokens.Count >= settings.MaxLength || (_tokens.Count > 1 && settings.IsEos(_tokens[^1]));
    }

    /// <summary>
    /// Generates from <paramref name="target"/> (one row). Every token is passed to <paramref name="onDecided"/> as
    /// soon as it is chosen, since greedy never revises one. With <paramref name="published"/>, the search resumes after
    /// those tokens (one pass over them rebuilds the cache) and returns them as part of its output.
    /// </summary>
    public static GenerationResult Run(IDecodeTarget target, GenerationSettings settings,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default, IReadOnlyList<int>? published = null) =>
        DecodeSearch.Run(new GreedySearch(settings, target.VocabSize, published), target, onDecided, cancellationToken);

    /// <inheritdoc />
    public GenerationSettings Settings { get; }

    /// <inheritdoc />
    public int Rows => 1;

    /// <inheritdoc />
    public IReadOnlyList<int> LastTokens => [_tokens[^1]];

    /// <inheritdoc />
    public IReadOnlyList<int>? Prefix => _prefixPending ? _tokens : null;

    /// <inheritdoc />
    public bool WantsPrefixLogProbabilities => false;

    /// <inheritdoc />
    public bool LogProbabilities => false;

    /// <inheritdoc />
    public bool IsDone => _done;

    /// <inheritdoc />
    public int Steps { get; private set; }

    /// <inheritdoc />
    public SearchStep Advance(Span<float> scores, ReadOnlySpan<float> prefixLogProbabilities = default)
    {
        if (_done) throw new InvalidOperationException("The search has finished.");
        _prefixPending = false;
        Steps++;
        _processors.Apply(scores, _tokens);
        int next = ArgMax(scores);
        _tokens.Add(next);
        _done = Settings.IsEos(next) || _tokens.Count >= Settings.MaxLength;
        return new SearchStep([next], null, _done);
    }

    /// <inheritdoc />
    public GenerationResult Result => _done ? new GenerationResult(_tokens.ToArray(), 0, Steps) { Origin = (Steps, 0) } : throw new InvalidOperationException("The search is still running.");

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
