using Summarizer.Model.Generation;
using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Attribution;

/// <summary>
/// A finished job's attribution from its trace and the document as sent: the text is normalized as the service stored
/// and tokenized it (<see cref="SourceOffsetMap"/>, with the service's NFC), its content tokens are aligned to the
/// normalized text (<see cref="TokenOffsets"/>), and the winning hypothesis's records become sentence spans in the
/// original text (<see cref="SentenceAttribution"/>). No tensors: CPU work linear in the document, run once per job.
/// </summary>
public static class DocumentAttribution
{
    /// <summary>
    /// The summary text and its sentences' sources, for <paramref name="result"/> decoded with
    /// <paramref name="trace"/> over the document <paramref name="original"/> (as sent). <paramref name="nfc"/> is the
    /// service's Unicode normalization (line ends and trimming are the map's own).
    /// </summary>
    public static (string Summary, IReadOnlyList<SentenceSources> Sentences) Build(ITextTokenizer tokenizer, string original, Func<string, string> nfc,
        GenerationResult result, AttentionTrace trace)
    {
        var map = SourceOffsetMap.Build(original, nfc);
        // The same ids the document grain encoded: it tokenizes the normalized text without the template.
        var content = tokenizer.Encode(map.Normalized, addSpecialTokens: false);
        var offsets = TokenOffsets.Align(tokenizer, map.Normalized, content);
        return SentenceAttribution.Build(tokenizer, result.GeneratedIds, trace.Path(result.Origin.Pass, result.Origin.Row), offsets, map);
    }
}
