using Google.Protobuf;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>The type of one SentencePiece piece (<c>ModelProto.SentencePiece.Type</c>).</summary>
public enum PieceType
{
    /// <summary>An ordinary piece.</summary>
    Normal = 1,

    /// <summary>The unknown piece.</summary>
    Unknown = 2,

    /// <summary>A control symbol (&lt;s&gt;, &lt;/s&gt;, &lt;pad&gt;): never produced from text.</summary>
    Control = 3,

    /// <summary>A user-defined symbol matched whole.</summary>
    UserDefined = 4,

    /// <summary>Unused.</summary>
    Unused = 5,

    /// <summary>A byte-fallback piece (&lt;0xNN&gt;).</summary>
    Byte = 6,
}

/// <summary>
/// The parts of a SentencePiece <c>ModelProto</c> (spiece.model, sentencepiece.bpe.model) this project needs, read at
/// the protobuf wire level: pieces, model type, special ids and normalizer flags. It also produces the bytes handed to
/// Microsoft.ML.Tokenizers, which cannot take a model without a BOS piece (T5's bos_id is -1) nor be built from a
/// tokenizer.json (dotnet/machinelearning #7624): those are patched or written here.
/// </summary>
public sealed class SentencePieceModelProto
{
    private byte[] _bytes = [];

    /// <summary>Pieces in id order.</summary>
    public List<(string Piece, float Score, PieceType Type)> Pieces { get; } = [];

    /// <summary><c>trainer_spec.model_type</c>: 1 Unigram, 2 BPE.</summary>
    public int ModelType { get; private set; } = 1;

    /// <summary><c>trainer_spec.unk_id</c>.</summary>
    public int UnkId { get; private set; }

    /// <summary><c>trainer_spec.bos_id</c> (-1: none).</summary>
    public int BosId { get; private set; } = 1;

    /// <summary><c>trainer_spec.eos_id</c> (-1: none).</summary>
    public int EosId { get; private set; } = 2;

    /// <summary><c>trainer_spec.pad_id</c> (-1: none).</summary>
    public int PadId { get; private set; } = -1;

    /// <summary><c>trainer_spec.byte_fallback</c>.</summary>
    public bool ByteFallback { get; private set; }

    /// <summary><c>normalizer_spec.name</c> ("nmt_nfkc", "identity", ...).</summary>
    public string NormalizerName { get; private set; } = "nmt_nfkc";

    /// <summary>Whether the normalizer has a precompiled character map.</summary>
    public bool HasCharsMap => CharsMap.Length > 0;

    /// <summary><c>normalizer_spec.precompiled_charsmap</c> (what HF's tokenizer.json stores base64-encoded).</summary>
    public byte[] CharsMap { get; private set; } = [];

    /// <summary><c>normalizer_spec.add_dummy_prefix</c>.</summary>
    public bool AddDummyPrefix { get; private set; } = true;

    /// <summary>Parses a model file; <paramref name="origin"/> is named in errors.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a SentencePiece model.</exception>
    public static SentencePieceModelProto Parse(byte[] bytes, string origin)
    {
        var proto = new SentencePieceModelProto { _bytes = bytes };
        try
        {
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        proto.Pieces.Add(ReadPiece(input.ReadBytes()));
                        break;
                    case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        proto.ReadTrainerSpec(input.ReadBytes());
                        break;
                    case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        proto.ReadNormalizerSpec(input.ReadBytes());
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{origin}' is not a SentencePiece model: {e.Message}", e);
        }

        if (proto.Pieces.Count == 0)
            throw new InvalidDataException($"'{origin}' is not a SentencePiece model: it has no pieces.");
        if (proto.ModelType is not (1 or 2))
            throw new InvalidDataException($"'{origin}': SentencePiece model_type {proto.ModelType} is not supported (Unigram 1 and BPE 2 are).");
        if (proto.UnkId < 0 || proto.UnkId >= proto.Pieces.Count)
            throw new InvalidDataException($"'{origin}': unk_id {proto.UnkId} is outside its {proto.Pieces.Count} pieces.");
        return proto;
    }

    /// <summary>Builds a Unigram model from a tokenizer.json vocabulary (pieces with scores) and its unk id.</summary>
    public static SentencePieceModelProto FromUnigram(IReadOnlyList<(string Piece, float Score, PieceType Type)> pieces, int unkId, bool addDummyPrefix, byte[] charsMap)
    {
        var output = new MemoryStream();
        var writer = new CodedOutputStream(output);
        foreach (var (piece, score, type) in pieces)
        {
            var inner = new MemoryStream();
            var pieceWriter = new CodedOutputStream(inner);
            pieceWriter.WriteTag(1, WireFormat.WireType.LengthDelimited);
            pieceWriter.WriteString(piece);
            pieceWriter.WriteTag(2, WireFormat.WireType.Fixed32);
            pieceWriter.WriteFloat(score);
            pieceWriter.WriteTag(3, WireFormat.WireType.Varint);
            pieceWriter.WriteEnum((int)type);
            pieceWriter.Flush();
            writer.WriteTag(1, WireFormat.WireType.LengthDelimited);
            writer.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        }
        int Find(string p)
        {
            for (int i = 0; i < pieces.Count; i++) if (pieces[i].Piece == p) return i;
            return -1;
        }
        WriteMessage(writer, 2, w =>
        {
            WriteInt(w, 3, 1);
            WriteInt(w, 4, pieces.Count);
            WriteInt(w, 40, unkId);
            WriteInt(w, 41, Find("<s>"));
            WriteInt(w, 42, Find("</s>"));
            WriteInt(w, 43, Find("<pad>"));
        });
        WriteMessage(writer, 3, w =>
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(charsMap.Length > 0 ? "nmt_nfkc" : "identity");
            if (charsMap.Length > 0)
            {
                w.WriteTag(2, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(charsMap));
            }
            WriteInt(w, 3, addDummyPrefix ? 1 : 0);
            WriteInt(w, 4, 1);
            WriteInt(w, 5, 1);
        });
        writer.Flush();
        return Parse(output.ToArray(), "<tokenizer.json>");
    }

    /// <summary>
    /// The model bytes for Microsoft.ML.Tokenizers: a missing BOS or EOS (id -1) is pointed at an existing special
    /// piece under its own name, which changes nothing it encodes (BOS/EOS are never added) but avoids its
    /// IndexOutOfRange on -1. A second trainer_spec is appended, which protobuf merges field by field.
    /// </summary>
    public byte[] ForMicrosoftTokenizer()
    {
        if (BosId >= 0 && EosId >= 0) return _bytes;
        int eos = EosId >= 0 ? EosId : UnkId, bos = BosId >= 0 ? BosId : eos;
        var output = new MemoryStream();
        output.Write(_bytes);
        var writer = new CodedOutputStream(output);
        WriteMessage(writer, 2, w =>
        {
            WriteInt(w, 41, bos);
            WriteInt(w, 42, eos);
            w.WriteTag(46, WireFormat.WireType.LengthDelimited);
            w.WriteString(Pieces[bos].Piece);
            w.WriteTag(47, WireFormat.WireType.LengthDelimited);
            w.WriteString(Pieces[eos].Piece);
        });
        writer.Flush();
        return output.ToArray();
    }

    private static (string, float, PieceType) ReadPiece(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: piece = input.ReadString(); break;
                case 2: score = input.ReadFloat(); break;
                case 3: type = (PieceType)input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }
        return (piece, score, type);
    }

    private void ReadTrainerSpec(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: ModelType = input.ReadEnum(); break;
                case 35: ByteFallback = input.ReadBool(); break;
                case 40: UnkId = input.ReadInt32(); break;
                case 41: BosId = input.ReadInt32(); break;
                case 42: EosId = input.ReadInt32(); break;
                case 43: PadId = input.ReadInt32(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private void ReadNormalizerSpec(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: NormalizerName = input.ReadString(); break;
                case 2: CharsMap = input.ReadBytes().ToByteArray(); break;
                case 3: AddDummyPrefix = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static void WriteMessage(CodedOutputStream writer, int field, Action<CodedOutputStream> body)
    {
        var inner = new MemoryStream();
        var innerWriter = new CodedOutputStream(inner);
        body(innerWriter);
        innerWriter.Flush();
        writer.WriteTag(field, WireFormat.WireType.LengthDelimited);
        writer.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
    }

    private static void WriteInt(CodedOutputStream writer, int field, int value)
    {
        writer.WriteTag(field, WireFormat.WireType.Varint);
        writer.WriteInt32(value);
    }

    /// <inheritdoc />
    public override string ToString() => $"SentencePiece model ({Pieces.Count} pieces, type {ModelType})";
}
