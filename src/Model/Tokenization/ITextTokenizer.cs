using Summarizer.Model.Documents;

namespace Summarizer.Model.Tokenization;

/// <summary>What kind of tokenizer a checkpoint ships.</summary>
public enum TokenizerKind
{
    /// <summary>GPT-2/RoBERTa byte-level BPE (<c>vocab.json</c> + <c>merges.txt</c>, or a BPE <c>tokenizer.json</c>): BART.</summary>
    ByteLevelBpe,

    /// <summary>SentencePiece Unigram (<c>spiece.model</c>, or a Unigram <c>tokenizer.json</c>): T5, mT5, PEGASUS.</summary>
    SentencePieceUnigram,

    /// <summary>SentencePiece BPE (<c>sentencepiece.bpe.model</c>): mBART.</summary>
    SentencePieceBpe,
}

/// <summary>
/// A checkpoint's tokenizer with Hugging Face semantics: its own special-token template, added tokens matched whole,
/// decoding that skips special tokens, and a streaming detokenizer whose deltas concatenate to <see cref="Decode"/>.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>Which tokenizer this is.</summary>
    TokenizerKind Kind { get; }

    /// <summary>One more than the largest id the tokenizer knows.</summary>
    int VocabSize { get; }

    /// <summary>What <see cref="Encode"/> with special tokens puts around a text.</summary>
    InputTemplate Template { get; }

    /// <summary>Id of the end-of-sequence token.</summary>
    int EosTokenId { get; }

    /// <summary>Id of the padding token.</summary>
    int PadTokenId { get; }

    /// <summary>A token the tokenizer wants forced first (mBART's target language code); null for none.</summary>
    int? ForcedBosTokenId { get; }

    /// <summary>Encodes text; with <paramref name="addSpecialTokens"/> the template is applied.</summary>
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true);

    /// <summary>Decodes ids to text, dropping special tokens when <paramref name="skipSpecialTokens"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true, bool cleanUpTokenizationSpaces = false);

    /// <summary>Starts an incremental detokenizer for streaming generation.</summary>
    ITokenStreamDecoder CreateStreamingDecoder(bool skipSpecialTokens = true);

    /// <summary>The id of a token string (vocabulary or added token), or null when unknown.</summary>
    int? TokenToId(string token);

    /// <summary>The token string of an id, or null when unknown.</summary>
    string? IdToToken(int id);

    /// <summary>Whether decoding with <c>skipSpecialTokens</c> drops this id.</summary>
    bool IsSpecialToken(int id);
}

/// <summary>Fed one generated id at a time, returns only the text that id completes; <see cref="Flush"/> ends the stream.</summary>
public interface ITokenStreamDecoder
{
    /// <summary>Adds one token and returns the newly completed text (possibly empty).</summary>
    string Append(int tokenId);

    /// <summary>Returns whatever is still held back and resets the decoder.</summary>
    string Flush();
}
