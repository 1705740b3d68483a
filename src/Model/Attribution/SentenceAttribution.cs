using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Attribution;

/// <summary>A stretch of the original document text a summary sentence drew on.</summary>
/// <param name="Start">First character in the original text.</param>
/// <param name="End">One past its last character.</param>
/// <param name="Weight">The sentence's tokens' attention probability on the stretch, averaged over the tokens.</param>
public readonly record struct SourceSpan(int Start, int End, double Weight);

/// <summary>One summary sentence and the source spans it came from, strongest first.</summary>
/// <param name="Sentence">The sentence and its range in the summary text.</param>
/// <param name="Spans">At most <see cref="SentenceAttribution.MaxSpans"/> spans of the original document, strongest first.</param>
public sealed record SentenceSources(SummarySentence Sentence, IReadOnlyList<SourceSpan> Spans);

/// <summary>
/// Attribution per summary sentence: each generated token's most attended document tokens
/// (<see cref="TokenAttention"/>) are summed per sentence (divided by its token count), merged into spans of nearby
/// document tokens, and mapped to character offsets in the original text through the tokens' offsets in the
/// normalized text and the <see cref="SourceOffsetMap"/>.
/// </summary>
public static class SentenceAttribution
{
    /// <summary>Spans kept per sentence.</summary>
    public const int MaxSpans = 5;

    /// <summary>Document tokens this close (a gap of fewer tokens) join one span.</summary>
    public const int MergeGap = 3;

    /// <summary>
    /// Builds the attribution of <paramref name="generatedIds"/> (decoder start excluded) with their records
    /// <paramref name="records"/> (one per generated token, as <see cref="AttentionTrace.Path"/> returns). Returns the
    /// summary text as the streaming decoder produces it, and its sentences' sources.
    /// </summary>
    public static (string Summary, IReadOnlyList<SentenceSources> Sentences) Build(ITextTokenizer tokenizer, IReadOnlyList<int> generatedIds,
        IReadOnlyList<TokenAttention> records, (int Start, int End)[] documentTokenOffsets, SourceOffsetMap map)
    {
        // Where each token's text starts in the summary: tokens that complete no text yet attach to the next text.
        var decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var summary = new System.Text.StringBuilder();
        var at = new int[generatedIds.Count];
        var special = new bool[generatedIds.Count];
        for (int t = 0; t < generatedIds.Count; t++)
        {
            special[t] = tokenizer.IsSpecialToken(generatedIds[t]);
            var piece = decoder.Append(generatedIds[t]);
            int lead = 0;
            while (lead < piece.Length && char.IsWhiteSpace(piece[lead])) lead++;
            at[t] = summary.Length + (lead < piece.Length ? lead : 0);
            summary.Append(piece);
        }
        summary.Append(decoder.Flush());
        var text = summary.ToString();
        var sentences = SummarySentences.Split(text);

        var perSentence = sentences.Select(_ => new Dictionary<int, double>()).ToArray();
        var counts = new int[sentences.Count];
        for (int t = 0; t < generatedIds.Count && t < records.Count; t++)
        {
            if (special[t] || sentences.Count == 0) continue;
            int s = SentenceAt(sentences, at[t]);
            counts[s]++;
            foreach (var p in records[t].Top)
                perSentence[s][p.Token] = perSentence[s].GetValueOrDefault(p.Token) + p.Weight;
        }
        var result = new SentenceSources[sentences.Count];
        for (int s = 0; s < sentences.Count; s++)
            result[s] = new SentenceSources(sentences[s], Spans(perSentence[s], Math.Max(1, counts[s]), documentTokenOffsets, map));
        return (text, result);
    }

    /// <summary>The sentence holding summary character <paramref name="position"/> (the last one past the end).</summary>
    private static int SentenceAt(IReadOnlyList<SummarySentence> sentences, int position)
    {
        for (int s = 0; s < sentences.Count; s++) if (position < sentences[s].End) return s;
        return sentences.Count - 1;
    }

    private static IReadOnlyList<SourceSpan> Spans(Dictionary<int, double> weights, int tokens, (int Start, int End)[] offsets, SourceOffsetMap map)
    {
        var spans = new List<(int First, int Last, double Weight)>();
        foreach (var token in weights.Keys.Where(t => t < offsets.Length).Order())
        {
            double w = weights[token] / tokens;
            if (spans.Count > 0 && token - spans[^1].Last <= MergeGap) spans[^1] = (spans[^1].First, token, spans[^1].Weight + w);
            else spans.Add((token, token, w));
        }
        return spans
            .Select(s =>
            {
                var (start, end) = map.ToOriginal(offsets[s.First].Start, Math.Max(offsets[s.First].Start, offsets[s.Last].End));
                return new SourceSpan(start, end, s.Weight);
            })
            .Where(s => s.End > s.Start)
            .OrderByDescending(s => s.Weight).ThenBy(s => s.Start)
            .Take(MaxSpans)
            .ToArray();
    }
}
