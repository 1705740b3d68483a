using System.Text;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>
/// Incremental SentencePiece detokenizer: each piece's text with ▁ as a space (the first emitted piece loses its
/// leading ▁, as HF's Metaspace decoder does), byte-fallback pieces held until their UTF-8 character is whole. The
/// deltas concatenate exactly to <see cref="SentencePieceTextTokenizer.Decode"/>.
/// </summary>
internal sealed class SentencePieceStreamDecoder : ITokenStreamDecoder
{
    private const char Underline = '\u2581';
    private readonly SentencePieceTextTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly Decoder _utf8 = new UTF8Encoding(false, false).GetDecoder();
    private readonly char[] _chars = new char[8];
    private bool _first = true;

    public SentencePieceStreamDecoder(SentencePieceTextTokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    public string Append(int tokenId)
    {
        var (text, value, special) = _tokenizer.Lookup(tokenId);
        if (text is null)
        {
            _first = false;
            return Bytes([(byte)value], flush: false);
        }
        if (special && _skipSpecialTokens) return string.Empty;
        var pending = Bytes([], flush: true);
        if (!special)
        {
            if (_first && text.Length > 0 && text[0] == Underline) text = text[1..];
            text = text.Replace(Underline, ' ');
        }
        _first = false;
        return pending + text;
    }

    public string Flush()
    {
        var rest = Bytes([], flush: true);
        _utf8.Reset();
        _first = true;
        return rest;
    }

    private string Bytes(byte[] bytes, bool flush)
    {
        int written = _utf8.GetChars(bytes, 0, bytes.Length, _chars, 0, flush);
        return new string(_chars, 0, written);
    }
}
