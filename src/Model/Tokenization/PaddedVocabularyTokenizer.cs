using Summarizer.Model.Documents;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// A tokenizer in front of an embedding matrix padded beyond its ids (T5's 32,100 ids in 32,128 rows, mT5's 250,100 in
/// 250,112): ids in the padding decode to nothing, as HF's fast tokenizers skip ids they do not know.
/// </summary>
internal sealed class PaddedVocabularyTokenizer(ITextTokenizer inner, int modelVocabSize) : ITextTokenizer
{
    public TokenizerKind Kind => inner.Kind;

    public int VocabSize => inner.VocabSize;

    public InputTemplate Template => inner.Template;

    public int EosTokenId => inner.EosTokenId;

    public int PadTokenId => inner.PadTokenId;

    public int? ForcedBosTokenId => inner.ForcedBosTokenId;

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => inner.Encode(text, addSpecialTokens);

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true, bool cleanUpTokenizationSpaces = false) =>
        inner.Decode(ids.Where(id => !IsPadding(id)), skipSpecialTokens, cleanUpTokenizationSpaces);

    public ITokenStreamDecoder CreateStreamingDecoder(bool skipSpecialTokens = true) => new Stream(this, inner.CreateStreamingDecoder(skipSpecialTokens));

    public int? TokenToId(string token) => inner.TokenToId(token);

    public string? IdToToken(int id) => IsPadding(id) ? null : inner.IdToToken(id);

    public bool IsSpecialToken(int id) => !IsPadding(id) && inner.IsSpecialToken(id);

    private bool IsPadding(int id) => id >= inner.VocabSize && id < modelVocabSize;

    private sealed class Stream(PaddedVocabularyTokenizer owner, ITokenStreamDecoder decoder) : ITokenStreamDecoder
    {
        public string Append(int tokenId) => owner.IsPadding(tokenId) ? string.Empty : decoder.Append(tokenId);

        public string Flush() => decoder.Flush();
    }
}
