namespace Summarizer.Model.Configuration;

// TEMPORARY stand-in until the checkpoint/config work is merged.
public sealed record ModelConfig
{
    public string ModelType { get; init; } = "bart";
    public int DModel { get; init; }
    public int EncoderLayers { get; init; }
    public int DecoderLayers { get; init; }
    public int EncoderAttentionHeads { get; init; }
    public int DecoderAttentionHeads { get; init; }
    public int EncoderFfnDim { get; init; }
    public int DecoderFfnDim { get; init; }
    public int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; }
    public string ActivationFunction { get; init; } = "gelu";
    public bool NormalizeBefore { get; init; }
    public bool ScaleEmbedding { get; init; }
    public bool AddFinalLayerNorm { get; init; }
    public bool StaticPositionEmbeddings { get; init; }
    public bool HasLayerNormEmbedding { get; init; } = true;
    public int PositionOffset => StaticPositionEmbeddings ? 0 : 2;
    public int PadTokenId { get; init; } = 1;
    public int BosTokenId { get; init; }
    public int EosTokenId { get; init; } = 2;
    public int DecoderStartTokenId { get; init; } = 2;
    public int? ForcedBosTokenId { get; init; }
    public int? ForcedEosTokenId { get; init; }
    public bool TieWordEmbeddings { get; init; } = true;
}
