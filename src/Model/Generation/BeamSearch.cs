namespace Summarizer.Model.Generation;

/// <summary>
/// Beam search with Hugging Face's semantics (<c>BeamSearchScorer</c>): log-softmax, logits rules, running beam
/// scores added, the best 2·beams candidates taken over all beams; a candidate ending in EOS among the top beams
/// becomes a finished hypothesis (with its EOS), the rest continue; at max_length the top beams all finish. Stopping
/// follows transformers ≥ 4.50 (the best running beam against the worst finished hypothesis). Beams are rows of one decode target, so they share the
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
        // As HF: enough candidates that every beam can continue however many of them end in one of the EOS ids.
        int keep = Math.Max(2, 1 + settings.EosTokenIds.Count) * beams;
        var processors = new LogitsProcessors(settings);
        var finished = new BeamHypotheses(beams, settings.LengthPenalty, settings.EarlyStopping, settings.MaxLength);
        var sequences = Enumerable.Range(0, beams).Select(_ => new List<int> { settings.DecoderStartTokenId }).ToList();
        // Only the first beam is live at the start; the others would duplicate it.
        var beamScores = new float[beams];
        for (int b = 1; b < beams; b++) beamScores[b] = -1e9f;
        int emitted = 1, steps = 0;

        while (true)
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

            var candidates = TopCandidates(scores, keep);
            int newLength = sequences[0].Count + 1;
            // A candidate hits a stopping criterion when it ends in an EOS id or reaches max_length. Those among the
            // top `beams` become finished hypotheses (with their last token); the best others keep running.
            bool atMaxLength = newLength >= settings.MaxLength;
            var next = new List<(float Score, int Token, int Source)>(beams);
            for (int rank = 0; rank < candidates.Length; rank++)
            {
                var (score, index) = candidates[rank];
                int source = index / vocab, token = index % vocab;
                if (atMaxLength || settings.IsEos(token))
                {
                    if (rank < beams) finished.Add([.. sequences[source], token], score, newLength - PromptLength);
                }
                else if (next.Count < beams)
                {
                    next.Add((score, token, source));
                }
            }
            if (next.Count == 0) break;   // every candidate stopped: nothing can continue
            if (next.Count < beams)
                throw new InvalidOperationException($"Beam search found only {next.Count} continuations for {beams} beams; the vocabulary is too small for this many beams.");

            // transformers >= 4.50: the best *running* beam is compared with the worst finished hypothesis.
            bool done = finished.IsDone(next[0].Score, newLength - PromptLength, PromptLength);
            sequences = next.Select(n => new List<int>(sequences[n.Source]) { n.Token }).ToList();
            for (int b = 0; b < beams; b++) beamScores[b] = next[b].Score;
            if (done) break;
            target.Reorder(next.Select(n => n.Source).ToArray());
            emitted = EmitAgreedPrefix(sequences, finished, emitted, onDecided);
        }

        var (bestScore, bestTokens) = finished.Best();
        if (bestTokens.Length > emitted) onDecided?.Invoke(bestTokens.Skip(emitted).ToArray());
        return new GenerationResult(bestTokens, bestScore, steps);
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
