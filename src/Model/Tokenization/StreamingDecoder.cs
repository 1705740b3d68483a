using System.Text;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Incremental detokenizer for streaming generation: fed one id at a time, it returns only the text
/// completed by that id. Bytes of a multi-byte character split across tokens are held back until
/// the character is whole, so no delta ever contains a broken character. The concatenation of all
/// deltas and <see cref="Flush"/> equals <see cref="BartTokenizer.Decode"/> of the same ids
/// (without space clean-up, which cannot be applied to a stream).
/// </summary>
public sealed class StreamingDecoder : ITokenStreamDecoder
{
    private readonly BartTokenizer tokenizer;
    private readonly bool skipSpecialTokens;
    // A stateful UTF-8 decoder already buffers incomplete sequences between calls, and substitutes
    // U+FFFD for invalid bytes exactly as one-shot decoding does.
    private readonly Decoder utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] chars = new char[64];

    /// <summary>Starts a stream for <paramref name="tokenizer"/>.</summary>
    public StreamingDecoder(BartTokenizer tokenizer, bool skipSpecialTokens = true)
    {
        this.tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one token and returns the newly completed text (possibly empty).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is not in the vocabulary.</exception>
    public string Append(int tokenId)
    {
        return tokenizer.TryGetDecodedBytes(tokenId, skipSpecialTokens, out var bytes) ? DecodeChunk(bytes, flush: false) : string.Empty;
    }

    /// <summary>
    /// Ends the stream: returns whatever is still buffered (an incomplete trailing sequence becomes
    /// U+FFFD) and resets the decoder for reuse.
    /// </summary>
    public string Flush()
    {
        var rest = DecodeChunk([], flush: true);
        utf8.Reset();
        return rest;
    }

    private string DecodeChunk(byte[] bytes, bool flush)
    {
        int needed = utf8.GetCharCount(bytes, 0, bytes.Length, flush);
        if (needed > chars.Length)
        {
            chars = new char[Math.Max(needed, chars.Length * 2)];
        }

        int written = utf8.GetChars(bytes, 0, bytes.Length, chars, 0, flush);
        return new string(chars, 0, written);
    }
}
