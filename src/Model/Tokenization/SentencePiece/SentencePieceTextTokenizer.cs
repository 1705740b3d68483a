using Summarizer.Model.Documents;
using MlSentencePiece = Microsoft.ML.Tokenizers.SentencePieceTokenizer;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>
/// A SentencePiece tokenizer (T5, mT5, PEGASUS, mBART) with Hugging Face semantics. Text between added tokens is
/// encoded by Microsoft.ML.Tokenizers' <c>SentencePieceTokenizer</c> (after the normalization it lacks, and with runs of
/// unknown characters fused into one &lt;unk&gt; as SentencePiece and HF do); ids are then laid out as the checkpoint's
/// tokenizer lays them out (PEGASUS shifts SentencePiece ids by 103, mBART by fairseq's 1). Decoding joins pieces with
/// ▁ as a space, dropping the first emitted piece's leading ▁ (HF's Metaspace decoder), and byte-fallback pieces as
/// UTF-8.
/// </summary>
public sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    private readonly MlSentencePiece _encoder;
    private readonly AddedTokenSplitter _splitter;
    private readonly string?[] _textById;
    private readonly bool[] _specialById;
    private readonly short[] _byteById;
    private readonly Dictionary<string, int> _idByToken = new(StringComparer.Ordinal);
    private readonly int _offset, _sentencePieceUnk, _unkTokenId;
    private readonly bool _normalize;

    internal SentencePieceTextTokenizer(SentencePieceModelProto model, SentencePieceLayout layout, string origin)
    {
        // Microsoft.ML.Tokenizers 2.0.1 numbers byte-fallback pieces from the last one instead of <0x00>, so its ids
        // would be wrong; none of the supported families uses byte fallback.
        if (model.ByteFallback)
            throw new InvalidDataException($"'{origin}': SentencePiece models with byte_fallback are not supported (Microsoft.ML.Tokenizers 2.0.1 maps their bytes to the wrong ids).");
        _encoder = MlSentencePiece.Create(new MemoryStream(model.ForMicrosoftTokenizer()), addBeginningOfSentence: false, addEndOfSentence: false);
        Kind = model.ModelType == 2 ? TokenizerKind.SentencePieceBpe : TokenizerKind.SentencePieceUnigram;
        _offset = layout.Offset;
        _sentencePieceUnk = model.UnkId;
        _normalize = model.HasCharsMap || model.NormalizerName.Contains("nfkc", StringComparison.Ordinal);

        VocabSize = Math.Max(model.Pieces.Count + _offset, layout.AddedTokens.Count == 0 ? 0 : layout.AddedTokens.Max(t => t.Id) + 1);
        _textById = new string?[VocabSize];
        _specialById = new bool[VocabSize];
        _byteById = new short[VocabSize];
        Array.Fill(_byteById, (short)-1);
        for (int i = 0; i < model.Pieces.Count; i++)
        {
            var (piece, _, type) = model.Pieces[i];
            int id = i + _offset;
            _textById[id] = piece;
            _specialById[id] = type is PieceType.Control or PieceType.Unknown;
            if (type == PieceType.Byte && piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal))
                _byteById[id] = Convert.ToInt16(piece[3..5], 16);
            if (type != PieceType.Byte) _idByToken.TryAdd(piece, id);
        }
        // The model's own control and unknown pieces (</s>, <pad>, <unk>) are special tokens in HF: typed in a text they
        // are matched whole, like the added tokens.
        var whole = model.Pieces.Select((p, i) => (p, i))
            .Where(x => x.p.Type is PieceType.Control or PieceType.Unknown && x.p.Piece.Length > 0)
            .Select(x => new AddedToken(x.p.Piece, x.i + _offset, IsSpecial: true))
            .Where(t => layout.AddedTokens.All(a => a.Content != t.Content))
            .Concat(layout.AddedTokens);
        foreach (var token in layout.AddedTokens)
        {
            _textById[token.Id] = token.Content;
            _specialById[token.Id] = token.IsSpecial;
            _byteById[token.Id] = -1;
            _idByToken[token.Content] = token.Id;
        }
        _splitter = new AddedTokenSplitter(whole);
        _unkTokenId = layout.UnkTokenId ?? model.UnkId + _offset;
        EosTokenId = Required(layout.EosToken, "end-of-sequence");
        PadTokenId = Required(layout.PadToken, "padding");
        Template = layout.Template(this);
        ForcedBosTokenId = layout.TargetLanguage is { } target ? Required(target, "target language") : null;

        int Required(string token, string role) => _idByToken.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"Tokenizer in '{origin}' has no {role} token '{token}'.");
    }

    /// <inheritdoc />
    public TokenizerKind Kind { get; }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public InputTemplate Template { get; }

    /// <inheritdoc />
    public int EosTokenId { get; }

    /// <inheritdoc />
    public int PadTokenId { get; }

    /// <summary>Id of the unknown token.</summary>
    public int UnkTokenId => _unkTokenId;

    /// <summary>mBART's target language code, forced as the first generated token; null when no target language is set.</summary>
    public int? ForcedBosTokenId { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (addSpecialTokens) ids.AddRange(Template.Prefix);
        foreach (var segment in _splitter.Split(text))
        {
            if (segment.Token is { } added)
            {
                ids.Add(added.Id);
                continue;
            }
            var plain = text.Substring(segment.Start, segment.Length);
            bool previousUnk = false;
            foreach (var id in _encoder.EncodeToIds(_normalize ? SentencePieceTextNormalizer.Apply(plain) : plain, false, false))
            {
                bool unk = id == _sentencePieceUnk;
                // SentencePiece (and HF) emit one <unk> for a run of unknown characters; the library emits one each.
                if (!(unk && previousUnk)) ids.Add(unk ? _unkTokenId : id + _offset);
                previousUnk = unk;
            }
        }
        if (addSpecialTokens) ids.AddRange(Template.Suffix);
        return ids;
    }

    /// <inheritdoc />
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true, bool cleanUpTokenizationSpaces = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var stream = new SentencePieceStreamDecoder(this, skipSpecialTokens);
        var builder = new System.Text.StringBuilder();
        foreach (var id in ids) builder.Append(stream.Append(id));
        builder.Append(stream.Flush());
        var text = builder.ToString();
        return cleanUpTokenizationSpaces ? TokenizationSpaceCleanup.Apply(text) : text;
    }

    /// <inheritdoc />
    public ITokenStreamDecoder CreateStreamingDecoder(bool skipSpecialTokens = true) => new SentencePieceStreamDecoder(this, skipSpecialTokens);

    /// <inheritdoc />
    public int? TokenToId(string token) => _idByToken.TryGetValue(token, out int id) ? id : null;

    /// <inheritdoc />
    public string? IdToToken(int id) => id >= 0 && id < _textById.Length ? _textById[id] : null;

    /// <inheritdoc />
    public bool IsSpecialToken(int id) => id >= 0 && id < _specialById.Length && _specialById[id];

    /// <summary>What an id contributes: its text (▁ still in it), or the byte of a byte-fallback piece (text null).</summary>
    internal (string? Text, int Byte, bool Special) Lookup(int id)
    {
        if (id < 0 || id >= _textById.Length || _textById[id] is not { } text)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is not in the vocabulary (size {VocabSize}).");
        return _byteById[id] >= 0 ? (null, _byteById[id], false) : (text, -1, _specialById[id]);
    }
}
