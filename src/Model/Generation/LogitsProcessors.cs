namespace Summarizer.Model.Generation;

/// <summary>
/// The score rules summarization checkpoints rely on, applied to one row of scores (logits for greedy search,
/// log-probabilities for beam search) given that row's tokens so far, in Hugging Face's order: no-repeat n-gram,
/// minimum length (every EOS id), forced BOS, forced EOS (every forced id).
/// </summary>
internal sealed class LogitsProcessors
{
    private readonly GenerationSettings _settings;

    public LogitsProcessors(GenerationSettings settings) => _settings = settings;

    /// <summary>Applies every rule in place; <paramref name="tokens"/> includes the decoder start token.</summary>
    public void Apply(Span<float> scores, IReadOnlyList<int> tokens)
    {
        int length = tokens.Count;
        if (_settings.NoRepeatNgramSize > 0) BanRepeatedNgrams(scores, tokens, _settings.NoRepeatNgramSize);
        if (length < _settings.MinLength)
            foreach (var eos in _settings.EosTokenIds) scores[eos] = float.NegativeInfinity;
        if (length == 1 && _settings.ForcedBosTokenId is { } bos) Force(scores, [bos]);
        if (length == _settings.MaxLength - 1 && _settings.ForcedEosTokenIds.Count > 0) Force(scores, _settings.ForcedEosTokenIds);
    }

    private static void Force(Span<float> scores, IReadOnlyList<int> tokens)
    {
        scores.Fill(float.NegativeInfinity);
        foreach (var token in tokens) scores[token] = 0f;
    }

    /// <summary>Bans every token that would complete an n-gram already present in <paramref name="tokens"/>.</summary>
    private static void BanRepeatedNgrams(Span<float> scores, IReadOnlyList<int> tokens, int n)
    {
        int length = tokens.Count;
        if (length + 1 < n) return;
        // The n-1 most recent tokens form the prefix; any earlier n-gram starting with it bans its last token.
        int prefixStart = length - (n - 1);
        for (int start = 0; start + n <= length; start++)
        {
            bool same = true;
            for (int j = 0; j < n - 1 && same; j++) same = tokens[start + j] == tokens[prefixStart + j];
            if (same) scores[tokens[start + n - 1]] = float.NegativeInfinity;
        }
    }
}
