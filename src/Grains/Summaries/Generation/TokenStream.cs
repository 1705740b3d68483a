using Summarizer.Contracts;
using Summarizer.Grains.Resilience;
using Summarizer.Model.Tokenization;

namespace Summarizer.Grains.Summaries.Generation;

/// <summary>
/// Generation streaming: turns the token ids a search decides into the job's delta events (tokens decided → events).
/// The first <c>published</c> ids, already in the job's log from an earlier activation, are regenerated silently and
/// checked one by one (decoding is deterministic); only what follows is published, so a reconnecting client gets no
/// duplicated and no missing text. Text is detokenized incrementally, so no delta splits a character.
/// </summary>
/// <param name="decoder">A fresh streaming detokenizer of the job's model.</param>
/// <param name="published">Token ids the job's log already holds.</param>
/// <param name="tailPublished">Whether the log already holds the final, token-less delta of held-back text.</param>
internal sealed class TokenStream(ITokenStreamDecoder decoder, IReadOnlyList<int> published, bool tailPublished)
{
    private int _position;

    /// <summary>Whether any token has been decided yet.</summary>
    public bool Started => _position > 0;

    /// <summary>The delta for newly decided <paramref name="ids"/>, or null when they were all published before.</summary>
    /// <exception cref="JobFailedException">A regenerated token differs from the one published.</exception>
    public SummaryEvent? Accept(IReadOnlyList<int> ids)
    {
        var fresh = new List<int>();
        var text = new System.Text.StringBuilder();
        foreach (var id in ids)
        {
            int position = _position++;
            var piece = decoder.Append(id);
            if (position < published.Count)
            {
                if (published[position] != id) throw new JobFailedException(Telemetry.JobFailureReason.Regeneration, "Regenerated tokens differ from those already published; the model or its shards changed.");
                continue;
            }
            fresh.Add(id);
            text.Append(piece);
        }
        return fresh.Count == 0 ? null : new SummaryEvent { Kind = SummaryEventKind.Delta, Text = text.ToString(), TokenIds = fresh };
    }

    /// <summary>The text still held back at the end (an incomplete character), as a last delta, or null.</summary>
    public SummaryEvent? Flush()
    {
        var tail = decoder.Flush();
        return tail.Length == 0 || tailPublished ? null : new SummaryEvent { Kind = SummaryEventKind.Delta, Text = tail };
    }
}
