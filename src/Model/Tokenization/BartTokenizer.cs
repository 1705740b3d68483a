using System.Text;
using Microsoft.ML.Tokenizers;
using Summarizer.Model.Documents;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Byte-level BPE tokenizer for BART checkpoints (the GPT-2/RoBERTa scheme), with Hugging Face
/// <c>BartTokenizer</c> semantics: added/special tokens are matched whole, <see cref="Encode"/>
/// wraps ids in <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>, and decoding is byte-exact UTF-8.
/// BPE encoding itself is done by Microsoft.ML.Tokenizers.
/// </summary>
public sealed class BartTokenizer : ITextTokenizer
{
    private readonly BpeTokenizer bpe;
    private readonly AddedTokenSplitter splitter;
    private readonly byte[]?[] bytesById;
    private readonly bool[] isSpecialById;
    private readonly string?[] tokenById;
    private readonly Dictionary<string, int> idByToken;

    private BartTokenizer(BpeModelData model, string origin)
    {
        var names = model.SpecialTokenNames;
        idByToken = new Dictionary<string, int>(model.Vocabulary, StringComparer.Ordinal);
        foreach (var added in model.AddedTokens)
        {
            idByToken[added.Content] = added.Id;
        }

        BosTokenId = RequiredId(names.Bos, "beginning-of-sequence", origin);
        PadTokenId = RequiredId(names.Pad, "padding", origin);
        EosTokenId = RequiredId(names.Eos, "end-of-sequence", origin);
        UnkTokenId = RequiredId(names.Unk, "unknown", origin);
        MaskTokenId = idByToken.TryGetValue(names.Mask, out int mask) ? mask : null;

        VocabSize = idByToken.Values.Max() + 1;
        tokenById = new string?[VocabSize];
        bytesById = new byte[]?[VocabSize];
        isSpecialById = new bool[VocabSize];
        foreach (var (token, id) in model.Vocabulary)
        {
            tokenById[id] = token;
            // A vocabulary entry outside the byte alphabet (e.g. "<s>" variants with odd characters) is literal text.
            bytesById[id] = ByteLevelAlphabet.TryGetBytes(token, out var bytes) ? bytes : Encoding.UTF8.GetBytes(token);
        }

        foreach (var added in model.AddedTokens)
        {
            tokenById[added.Id] = added.Content;
            bytesById[added.Id] = Encoding.UTF8.GetBytes(added.Content);
            isSpecialById[added.Id] |= added.IsSpecial;
        }

        foreach (var id in (int?[])[BosTokenId, PadTokenId, EosTokenId, UnkTokenId, MaskTokenId])
        {
            if (id is int specialId)
            {
                isSpecialById[specialId] = true;
            }
        }

        splitter = new AddedTokenSplitter(model.AddedTokens);
        bpe = BpeTokenizer.Create(new BpeOptions(model.Vocabulary)
        {
            Merges = model.Merges,
            ByteLevel = true,
            UnknownToken = model.Vocabulary.ContainsKey(names.Unk) ? names.Unk : null,
            PreTokenizer = new BoundedPreTokenizer(),
        });

        int RequiredId(string name, string role, string where) =>
            idByToken.TryGetValue(name, out int id)
                ? id
                : throw new InvalidDataException($"Tokenizer in '{where}' has no {role} token '{name}' in its vocabulary or added tokens.");
    }

    /// <summary>Id of <c>&lt;s&gt;</c>, prepended by <see cref="Encode"/>.</summary>
    public int BosTokenId { get; }

    /// <summary>Id of <c>&lt;/s&gt;</c>, appended by <see cref="Encode"/>.</summary>
    public int EosTokenId { get; }

    /// <summary>Id of <c>&lt;pad&gt;</c>.</summary>
    public int PadTokenId { get; }

    /// <summary>Id of <c>&lt;unk&gt;</c>.</summary>
    public int UnkTokenId { get; }

    /// <summary>Id of <c>&lt;mask&gt;</c>, or null when the checkpoint has none.</summary>
    public int? MaskTokenId { get; }

    /// <summary>One more than the largest token id: the embedding table size a model needs.</summary>
    public int VocabSize { get; }

    /// <inheritdoc />
    public TokenizerKind Kind => TokenizerKind.ByteLevelBpe;

    /// <inheritdoc />
    public int? ForcedBosTokenId => null;

    /// <summary><c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>, as BART's tokenizer builds inputs.</summary>
    public InputTemplate Template => new([BosTokenId], [EosTokenId]);

    /// <summary>
    /// Loads from <c>vocab.json</c> + <c>merges.txt</c>, or from <c>tokenizer.json</c> when that pair is
    /// absent; <c>special_tokens_map.json</c> and <c>added_tokens.json</c> are honoured when present.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither file set exists; the message names the directory.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or a required special token is missing.</exception>
    public static BartTokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        return new BartTokenizer(TokenizerDirectoryReader.Read(modelDirectory), modelDirectory);
    }

    /// <summary>
    /// Builds a tokenizer from an in-memory vocabulary and merge list (each merge "left right", in rank
    /// order). Special tokens present in the vocabulary are matched whole.
    /// </summary>
    public static BartTokenizer Create(
        IReadOnlyDictionary<string, int> vocabulary, IEnumerable<string> merges, BartSpecialTokenNames? specialTokenNames = null)
    {
        var names = specialTokenNames ?? BartSpecialTokenNames.Default;
        var added = names.All
            .Where(vocabulary.ContainsKey)
            .Select(name => new AddedToken(name, vocabulary[name], IsSpecial: true, StripLeft: name == names.Mask))
            .ToList();
        return new BartTokenizer(new BpeModelData(vocabulary, merges.ToList(), added, names), "<in-memory vocabulary>");
    }

    /// <summary>
    /// Encodes text to ids; with <paramref name="addSpecialTokens"/> the result is
    /// <c>&lt;s&gt;</c> ids <c>&lt;/s&gt;</c>, as Hugging Face's BART tokenizer does.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (addSpecialTokens)
        {
            ids.Add(BosTokenId);
        }

        foreach (var segment in splitter.Split(text))
        {
            if (segment.Token is { } added)
            {
                ids.Add(added.Id);
            }
            else
            {
                ids.AddRange(bpe.EncodeToIds(text.Substring(segment.Start, segment.Length)));
            }
        }

        if (addSpecialTokens)
        {
            ids.Add(EosTokenId);
        }

        return ids;
    }

    /// <summary>
    /// Decodes ids to text by concatenating their bytes and reading them as UTF-8 (invalid sequences
    /// become U+FFFD, as in Hugging Face).
    /// </summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Drop special tokens (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;pad&gt;</c>, <c>&lt;unk&gt;</c>, <c>&lt;mask&gt;</c>, special added tokens).</param>
    /// <param name="cleanUpTokenizationSpaces">Apply Hugging Face's <c>clean_up_tokenization</c> (removes spaces before punctuation and contractions).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true, bool cleanUpTokenizationSpaces = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (TryGetDecodedBytes(id, skipSpecialTokens, out var tokenBytes))
            {
                bytes.AddRange(tokenBytes);
            }
        }

        var text = Encoding.UTF8.GetString(bytes.ToArray());
        return cleanUpTokenizationSpaces ? TokenizationSpaceCleanup.Apply(text) : text;
    }

    /// <summary>Starts an incremental detokenizer for streaming generation.</summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = true) => new(this, skipSpecialTokens);

    ITokenStreamDecoder ITextTokenizer.CreateStreamingDecoder(bool skipSpecialTokens) => CreateStreamingDecoder(skipSpecialTokens);

    /// <summary>The id of a token string (vocabulary or added token), or null when unknown.</summary>
    public int? TokenToId(string token) => idByToken.TryGetValue(token, out int id) ? id : null;

    /// <summary>The token string of an id (byte-level form, e.g. "Ġthe"), or null when unknown.</summary>
    public string? IdToToken(int id) => id >= 0 && id < tokenById.Length ? tokenById[id] : null;

    /// <summary>Whether decoding with <c>skipSpecialTokens</c> drops this id.</summary>
    public bool IsSpecialToken(int id) => id >= 0 && id < isSpecialById.Length && isSpecialById[id];

    /// <summary>
    /// The raw bytes an id contributes to decoded text; false when it is skipped as special.
    /// </summary>
    internal bool TryGetDecodedBytes(int id, bool skipSpecialTokens, out byte[] bytes)
    {
        if (id < 0 || id >= bytesById.Length || bytesById[id] is not { } known)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is not in the vocabulary (size {VocabSize}).");
        }

        if (skipSpecialTokens && isSpecialById[id])
        {
            bytes = [];
            return false;
        }

        bytes = known;
        return true;
    }
}
