namespace Summarizer.Model.Generation;

/// <summary>
/// Beam search with Hugging Face's semantics (<c>BeamSearchScorer</c>): log-softmax, logits rules, running beam
/// scores added, the best 2·beams candidates taken over all beams; a candidate ending in EOS among the top beams
/// becomes a finished hypothesis, the rest continue. Beams are rows of one decode target, so they share the
/// document's cross-attention memory and only the self-attention cache is reordered.
/// </summary>
public static class BeamSearch
{
    private const int PromptLength = 1; // the decoder start token

    /// <summary>
    /// Generates with <c>settings.NumBeams</c> rows of <paramref name="target"/>. <paramref name="onDecided"/> receives
    /// tokens once every live beam and every finished hypothesis still in contention agree on them, so nothing
    /// emitted is ever taken back; the rest of the winner arrives when the search ends.
    /// </summary>
    public static GenerationResult Run(IDecodeTarget target, GenerationSettings settings,
        Action<IReadOnlyList<int>>? onDecided = null, CancellationToken cancellationToken = default)
    {
        settings.Validate(target.VocabSize);
        int beams = settings.NumBeams, vocab = target.VocabSize;
        var processors = new LogitsProcessors(settings);
        var finished = new BeamHypotheses(beams, settings.LengthPenalty, settings.EarlyStopping, settings.MaxLength);
        var sequences = Enumerable.Range(0, beams).Select(_ => new List<int> { settings.DecoderStartTokenId }).ToList();
        // Only the first beam is live at the start; the others would duplicate it.
        var beamScores = new float[beams];
        for (int b = 1; b < beams; b++) beamScores[b] = -1e9f;
        int emitted = 1, steps = 0;
        bool done = false;

        while (sequences[0].Count < settings.MaxLength)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scores = target.Step(sequences.Select(s => s[^1]).ToArray(), logSoftmax: true);
            steps++;
            for (int b = 0; b < beams; b++)
            {
                var row = scores.AsSpan(b * vocab, vocab);
                processors.Apply(row, sequences[b]);
                for (int t = 0; t < vocab; t++) row[t] += beamScores[b];
            }

            var candidates = TopCandidates(scores, 2 * beams);
            int newLength = sequences[0].Count + 1;
            var next = new List<(float Score, int Token, int Source)>(beams);
            for (int rank = 0; rank < candidates.Length && next.Count < beams; rank++)
            {
                var (score, index) = candidates[rank];
                int source = index / vocab, token = index % vocab;
                if (token == settings.EosTokenId)
                {
                    if (rank >= beams) continue;
                    finished.Add(sequences[source].ToArray(), score, newLength - PromptLength);
                }
                else
                {
                    next.Add((score, token, source));
                }
            }
            if (next.Count < beams)
                throw new InvalidOperationException($"Beam search found only {next.Count} continuations for {beams} beams; the vocabulary is too small for this many beams.");

            done = finished.IsDone(candidates[0].Score, newLength - PromptLength, PromptLength);
            var sources = next.Select(n => n.Source).ToArray();
            sequences = next.Select(n => new List<int>(sequences[n.Source]) { n.Token }).ToList();
            for (int b = 0; b < beams; b++) beamScores[b] = next[b].Score;
            if (done) break;
            target.Reorder(sources);
            emitted = EmitAgreedPrefix(sequences, finished, emitted, onDecided);
        }

        if (!done)
        {
            for (int b = 0; b < beams; b++) finished.Add(sequences[b].ToArray(), beamScores[b], sequences[b].Count - PromptLength);
        }
        var (bestScore, bestTokens) = finished.Best();
        var result = new List<int>(bestTokens);
        if (result.Count < settings.MaxLength) result.Add(settings.EosTokenId);
        if (result.Count > emitted) onDecided?.Invoke(result.Skip(emitted).ToArray());
        return new GenerationResult(result, bestScore, steps);
    }

    /// <summary>The <paramref name="count"/> best (score, flat index) pairs, best first, ties to the lower index.</summary>
    private static (float Score, int Index)[] TopCandidates(float[] scores, int count)
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

    private static int EmitAgreedPrefix(List<List<int>> live, BeamHypotheses finished, int emitted, Action<IReadOnlyList<int>>? onDecided)
    {
        if (onDecided is null) return emitted;
        var first = live[0];
        int agreed = first.Count;
        foreach (var seq in live.Cast<IReadOnlyList<int>>().Concat(finished.Sequences))
        {
            int i = 0;
            while (i < agreed && i < seq.Count && seq[i] == first[i]) i++;
            agreed = i;
        }
        if (agreed > emitted) onDecided(first.GetRange(emitted, agreed - emitted));
        return Math.Max(emitted, agreed);
    }
}
