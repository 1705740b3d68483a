namespace Summarizer.Model.Configuration;

/// <summary>
/// Architecture defaults of a supported <c>model_type</c>: what Hugging Face hard-codes or defaults for
/// the family, which explicit config.json fields may override.
/// </summary>
internal sealed record ModelFamily(
    string ModelType,
    string Architecture,
    bool NormalizeBefore,
    bool AddFinalLayerNorm,
    bool ScaleEmbedding,
    bool StaticPositionEmbeddings,
    bool HasLayerNormEmbedding,
    int PadTokenId,
    int? BosTokenId,
    int EosTokenId,
    int? DecoderStartTokenId,
    int? ForcedEosTokenId)
{
    public static readonly ModelFamily Bart = new(
        "bart", "BartForConditionalGeneration",
        NormalizeBefore: false, AddFinalLayerNorm: false, ScaleEmbedding: false, StaticPositionEmbeddings: false, HasLayerNormEmbedding: true,
        PadTokenId: 1, BosTokenId: 0, EosTokenId: 2, DecoderStartTokenId: 2, ForcedEosTokenId: 2);

    public static readonly ModelFamily MBart = new(
        "mbart", "MBartForConditionalGeneration",
        NormalizeBefore: true, AddFinalLayerNorm: true, ScaleEmbedding: true, StaticPositionEmbeddings: false, HasLayerNormEmbedding: true,
        PadTokenId: 1, BosTokenId: 0, EosTokenId: 2, DecoderStartTokenId: null, ForcedEosTokenId: 2);

    public static readonly ModelFamily Pegasus = new(
        "pegasus", "PegasusForConditionalGeneration",
        NormalizeBefore: true, AddFinalLayerNorm: true, ScaleEmbedding: true, StaticPositionEmbeddings: true, HasLayerNormEmbedding: false,
        PadTokenId: 0, BosTokenId: null, EosTokenId: 1, DecoderStartTokenId: 0, ForcedEosTokenId: 1);

    public static IReadOnlyList<ModelFamily> All { get; } = [Bart, MBart, Pegasus];

    public static string SupportedList => string.Join(", ", All.Select(f => f.ModelType));

    public static ModelFamily? Find(string modelType) => All.FirstOrDefault(f => f.ModelType == modelType);
}
