namespace Summarizer.Model.Configuration;

/// <summary>
/// What Hugging Face hard-codes for a supported <c>model_type</c>: the network's shape (fixed by the model class, not
/// by config keys) and the config class's defaults, which explicit config.json fields override.
/// </summary>
internal sealed record ModelFamily(
    string ModelType,
    string Architecture,
    NetworkArchitecture Network,
    bool NormalizeBefore,
    bool AddFinalLayerNorm,
    bool StaticPositionEmbeddings,
    bool HasLayerNormEmbedding,
    int PadTokenId,
    int? BosTokenId,
    int EosTokenId,
    int? DecoderStartTokenId,
    int? ForcedEosTokenId)
{
    // BartConfig, MBartConfig and PegasusConfig all default scale_embedding to false; real checkpoints that scale
    // (mBART, PEGASUS) say so in their config.json.
    public static readonly ModelFamily Bart = new(
        "bart", "BartForConditionalGeneration", NetworkArchitecture.Bart,
        NormalizeBefore: false, AddFinalLayerNorm: false, StaticPositionEmbeddings: false, HasLayerNormEmbedding: true,
        PadTokenId: 1, BosTokenId: 0, EosTokenId: 2, DecoderStartTokenId: 2, ForcedEosTokenId: 2);

    public static readonly ModelFamily MBart = new(
        "mbart", "MBartForConditionalGeneration", NetworkArchitecture.Bart,
        NormalizeBefore: true, AddFinalLayerNorm: true, StaticPositionEmbeddings: false, HasLayerNormEmbedding: true,
        PadTokenId: 1, BosTokenId: 0, EosTokenId: 2, DecoderStartTokenId: null, ForcedEosTokenId: 2);

    public static readonly ModelFamily Pegasus = new(
        "pegasus", "PegasusForConditionalGeneration", NetworkArchitecture.Bart,
        NormalizeBefore: true, AddFinalLayerNorm: true, StaticPositionEmbeddings: true, HasLayerNormEmbedding: false,
        PadTokenId: 0, BosTokenId: null, EosTokenId: 1, DecoderStartTokenId: 0, ForcedEosTokenId: 1);

    // T5Config/MT5Config: pad 0, eos 1, no bos and no decoder_start default (checkpoints write decoder_start_token_id 0).
    public static readonly ModelFamily T5 = new(
        "t5", "T5ForConditionalGeneration", NetworkArchitecture.T5,
        NormalizeBefore: true, AddFinalLayerNorm: true, StaticPositionEmbeddings: false, HasLayerNormEmbedding: false,
        PadTokenId: 0, BosTokenId: null, EosTokenId: 1, DecoderStartTokenId: null, ForcedEosTokenId: null);

    public static readonly ModelFamily MT5 = T5 with { ModelType = "mt5", Architecture = "MT5ForConditionalGeneration" };

    public static IReadOnlyList<ModelFamily> All { get; } = [Bart, MBart, Pegasus, T5, MT5];

    public static string SupportedList => string.Join(", ", All.Select(f => f.ModelType));

    public static ModelFamily? Find(string modelType) => All.FirstOrDefault(f => f.ModelType == modelType);
}
