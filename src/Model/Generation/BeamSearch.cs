namespace Summarizer.Model.Generation;

/// <summary>
/// Beam search with Hugging Face's semantics (<c>BeamSearchScorer</c>): log-softmax, logits rules, running beam
/// scores added, the best 2·beams candidates taken over all beams; a candidate ending in EOS among the top beams
/// becomes a finished hypothesis (with its EOS), the rest continue; at max_length the top beams all finish. Stopping
/// follows transformers ≥ 4.50 (the best running beam against the worst finished hypothesis). Beams are rows of one
/// decode target, so they share the document's cross-attention memory and only the self-attention cache is reordered.
/// </summary>
public sealed class BeamSearch : IDecodeSearch
{
    private const int PromptLength = 1; // the decoder start token

    private readonly int _beams, _vocab, _keep;
    private readonly LogitsProcessors _processors;
    private readonly BeamHypotheses _finished;
    private readonly float[] _beamScores;
    private List<List<int>> _sequences;
    private int _emitted;
    private bool _prefixPending;
    private GenerationResult? _result;

    /// <summary>
    /// A beam search over <paramref name="vocabSize"/> tokens. With <paramref name="published"/> tokens (a resumed
    /// job) every beam starts from them: the first beam scored by their log-probabilities, which the prefix pass
    /// supplies, the others out of play until the first step, exactly as a fresh search starts.
    /// </summary>
    public BeamSearch(GenerationSettings settings, int vocabSize, IReadOnlyList<int>? published = null)
    {
        settings.Validate(vocabSize);
        Settings = settings;
        _beams = settings.NumBeams;
        _vocab = vocabSize;
        // As HF: enough candidates that every beam can continue however many of them end in one of the EOS ids.
        _keep = Math.Max(2, 1 + settings.EosTokenIds.Count) * _beams;
        _processors = new LogitsProcessors(settings);
        _finished = new BeamHypotheses(_beams, settings.LengthPenalty, settings.EarlyStopping, settings.MaxLength);
        List<int> start = [settings.DecoderStartTokenId, .. published ?? []];
        _sequences = Enumerable.Range(0, _beams).Select(_ => new List<int>(start)).ToList();
        // Only the first beam is live at the start; the others would duplicate it.
        _beamScores = new float[_beams];
        for (int b = 1; b < _beams; b++) _beamScores[b] = -1e9f;
        _emitted = start.Count;
        _prefixPending = start.Count > 1;
        // Published tokens that already end the sequence leave nothing to decode.
        if (start.Count >= settings.MaxLength || (start.Count > 1 && settings.IsEos(start[^1]))) _result = new GenerationResult(start, 0, 0);
    }

    /// <summary>
    /// Generates with <c>settings.NumBeams</c> rows of <paramref name="target"/>. <paramref name="onDecided"/> receives
    /// tokens once every live beam and every finished hypothesis still in contention agree on them, so nothing
    /// emitted is ever taken back; the rest of the winner arrives when the search ends. With
    /// <paramref name="published"/>, the search resumes after those tokens.
    /// </summary>
    public static GenerationResult Run(IDecodeTarget target, GenerationSettings settings,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default, IReadOnlyList<int>? published = null) =>
        DecodeSearch.Run(new BeamSearch(settings, target.VocabSize, published), target, onDecided, cancellationToken);

    /// <inheritdoc />
    public GenerationSettings Settings { get; }

    /// <inheritdoc />
    public int Rows => _beams;

    /// <inheritdoc />
    public IReadOnlyList<int> LastTokens => _sequences.Select(s => s[^1]).ToArray();

    /// <inheritdoc />
    public IReadOnlyList<int>? Prefix => _prefixPending && _result is null ? _sequences[0] : null;

    /// <inheritdoc />
    public bool WantsPrefixLogProbabilities => _prefixPending;

    /// <inheritdoc />
    public bool LogProbabilities => true;

    /// <inheritdoc />
    public bool IsDone => _result is not null;

    /// <inheritdoc />
    public int Steps { get; private set; }

    /// <inheritdoc />
    public GenerationResult Result => _result ?? throw new InvalidOperationException("The search is still running.");

    /// <inheritdoc />
    public SearchStep Advance(Span<float> scores, ReadOnlySpan<float> prefixLogProbabilities = default)
    {
        if (_result is not null) throw new InvalidOperationException("The search has finished.");
        if (_prefixPending)
        {
            _beamScores[0] = PrefixScore(prefixLogProbabilities);
            _prefixPending = false;
        }
        Steps++;
        for (int b = 0; b < _beams; b++)
        {
            var row = scores.Slice(b * _vocab, _vocab);
            _processors.Apply(row, _sequences[b]);
            for (int t = 0; t < _vocab; t++) row[t] += _beamScores[b];
        }

        var candidates = TopCandidates(scores, _keep);
        int newLength = _sequences[0].Count + 1;
        // A candidate hits a stopping criterion when it ends in an EOS id or reaches max_length. Those among the
        // top `beams` become finished hypotheses (with their last token); the best others keep running.
        bool atMaxLength = newLength >= Settings.MaxLength;
        var next = new List<(float Score, int Token, int Source)>(_beams);
        for (int rank = 0; rank < candidates.Length; rank++)
        {
            var (score, index) = candidates[rank];
            int source = index / _vocab, token = index % _vocab;
            if (atMaxLength || Settings.IsEos(token))
            {
                if (rank < _beams) _finished.Add([.. _sequences[source], token], score, newLength - PromptLength, (Steps, source));
            }
            else if (next.Count < _beams)
            {
                next.Add((score, token, source));
            }
        }
        if (next.Count == 0) return Finish();   // every candidate stopped: nothing can continue
        if (next.Count < _beams)
            throw new InvalidOperationException($"Beam search found only {next.Count} continuations for {_beams} beams; the vocabulary is too small for this many beams.");

        // transformers >= 4.50: the best *running* beam is compared with the worst finished hypothesis.
        bool done = _finished.IsDone(next[0].Score, newLength - PromptLength, PromptLength);
        var sources = next.Select(n => n.Source).ToArray();
        _sequences = next.Select(n => new List<int>(_sequences[n.Source]) { n.Token }).ToList();
        for (int b = 0; b < _beams; b++) _beamScores[b] = next[b].Score;
        if (done) return Finish();
        return new SearchStep(EmitAgreedPrefix(), sources, false);
    }

    /// <summary>Ends the search: the best finished hypothesis wins, and whatever of it was not emitted yet is decided now.</summary>
    private SearchStep Finish()
    {
        var (bestScore, bestTokens, origin) = _finished.Best();
        _result = new GenerationResult(bestTokens, bestScore, Steps) { Origin = origin };
        return new SearchStep(bestTokens.Skip(_emitted).ToArray(), null, true);
    }

    /// <summary>
    /// The published prefix's score as the search would have accumulated it: each token's log-probability after the
    /// logits rules, which only ever force a token (score 0) or rule out others.
    /// </summary>
    private float PrefixScore(ReadOnlySpan<float> logProbs)
    {
        float sum = 0;
        for (int i = 0; i < logProbs.Length; i++)
        {
            int lengthBefore = i + 1;   // the token at sequence index i + 1 was chosen when the sequence had i + 1 tokens
            bool forced = (lengthBefore == 1 && Settings.ForcedBosTokenId is not null) || (lengthBefore == Settings.MaxLength - 1 && Settings.ForcedEosTokenIds.Count > 0);
            if (!forced) sum += logProbs[i];
        }
        return sum;
    }

    /// <summary>The <paramref name="count"/> best (score, flat index) pairs, best first, ties to the lower index.</summary>
    private static (float Score, int Index)[] TopCandidates(ReadOnlySpan<float> scores, int count)
    {
        var top = new (float Score, int Index)[Math.Min(count, scores.Length)];
        int filled = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            if (filled == top.Length && !(s > top[filled - 1].Score)) continue;
            int pos = filled < top.Length ? filled++ : filled - 1;
            while (pos > 0 && s > top[pos - 1].Score)
            {
                top[pos] = top[pos - 1];
                pos--;
            }
            top[pos] = (s, i);
        }
        return top;
    }

    /// <summary>Tokens every live beam and every finished hypothesis agree on that were not emitted yet.</summary>
    private IReadOnlyList<int> EmitAgreedPrefix()
    {
        var first = _sequences[0];
        int agreed = first.Count;
        foreach (var seq in _sequences.Cast<IReadOnlyList<int>>().Concat(_finished.Sequences))
        {
            int i = 0;
            while (i < agreed && i < seq.Count && seq[i] == first[i]) i++;
            agreed = i;
        }
        if (agreed <= _emitted) return [];
        var decided = first.GetRange(_emitted, agreed - _emitted);
        _emitted = agreed;
        return decided;
    }
}
