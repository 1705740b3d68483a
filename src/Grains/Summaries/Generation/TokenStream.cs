using Summarizer.Contracts;
using Summarizer.Model.Tokenization;

namespace Summarizer.Grains.Summaries.Generation;

/// <summary>
/// Generation streaming: turns the token ids a search decides into the job's delta events (tokens decided → events).
/// A resumed job's search starts after the ids already in its log (they are its decoder prefix, never decoded again),
/// so this stream is primed with them and publishes only what follows: a reconnecting client gets no duplicated and no
/// missing text, and what was published is never contradicted. Text is detokenized incrementally, so no delta splits a
/// character; a character begun by the published ids completes in the first new delta, as it would have unresumed.
/// </summary>
internal sealed class TokenStream
{
    private readonly ITokenStreamDecoder _decoder;
    private readonly bool _tailPublished;

    /// <param name="decoder">A fresh streaming detokenizer of the job's model.</param>
    /// <param name="published">Token ids the job's log already holds.</param>
    /// <param name="tailPublished">Whether the log already holds the final, token-less delta of held-back text.</param>
    public TokenStream(ITokenStreamDecoder decoder, IReadOnlyList<int> published, bool tailPublished)
    {
        _decoder = decoder;
        _tailPublished = tailPublished;
        foreach (var id in published) decoder.Append(id);
    }

    /// <summary>The delta for newly decided <paramref name="ids"/>, or null when they hold no token.</summary>
    public SummaryEvent? Accept(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0) return null;
        var text = new System.Text.StringBuilder();
        foreach (var id in ids) text.Append(_decoder.Append(id));
        return new SummaryEvent { Kind = SummaryEventKind.Delta, Text = text.ToString(), TokenIds = ids.ToArray() };
    }

    /// <summary>The text still held back at the end (an incomplete character), as a last delta, or null.</summary>
    public SummaryEvent? Flush()
    {
        var tail = _decoder.Flush();
        return tail.Length == 0 || _tailPublished ? null : new SummaryEvent { Kind = SummaryEventKind.Delta, Text = tail };
    }
}
