using TorchSharp;

namespace Summarizer.Model.KvCache;

/// <summary>
/// One shard of a document, encoded once: every decoder layer's cross-attention keys and values for the tokens the
/// shard owns. It is a value object that knows which document and model produced it, so a store can hand it to any
/// later request on any silo. Tensors are CPU tensors of <see cref="DType"/>, each <c>[heads, ValidLength, headDim]</c>,
/// owned (and disposed) by the shard.
/// </summary>
/// <remarks>
/// Size: 2 (K and V) × decoder layers × ValidLength × d_model × element size. For bart-large-cnn (12 decoder layers,
/// d_model 1024) a 1,024-token shard at F16 is 2 × 12 × 1024 × 1024 × 2 B = 50,331,648 B = 48 MiB.
/// </remarks>
public sealed class KvShard : IDisposable
{
    /// <summary>Creates a shard; it takes ownership of the tensors in <paramref name="layers"/>.</summary>
    public KvShard(string documentId, string modelFingerprint, int index, int tokenStart, int tokenEnd, KvDType dtype,
        IReadOnlyList<(torch.Tensor Keys, torch.Tensor Values)> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("A shard has at least one decoder layer.", nameof(layers));
        var shape = layers[0].Keys.shape;
        if (shape.Length != 3) throw new ArgumentException($"Shard K/V must be [heads, length, headDim]; got [{string.Join(", ", shape)}].", nameof(layers));
        foreach (var (k, v) in layers)
        {
            if (!k.shape.SequenceEqual(shape) || !v.shape.SequenceEqual(shape))
                throw new ArgumentException("Every layer's K and V must have the same shape.", nameof(layers));
        }
        DocumentId = documentId;
        ModelFingerprint = modelFingerprint;
        Index = index;
        TokenStart = tokenStart;
        TokenEnd = tokenEnd;
        DType = dtype;
        Layers = layers;
        Heads = (int)shape[0];
        ValidLength = (int)shape[1];
        HeadDim = (int)shape[2];
    }

    /// <summary>The document this shard belongs to.</summary>
    public string DocumentId { get; }

    /// <summary>Hash of the model's config and weights; K/V from another model is never mixed in.</summary>
    public string ModelFingerprint { get; }

    /// <summary>Position of the shard in the document, from 0.</summary>
    public int Index { get; }

    /// <summary>First document token (index into the content tokens, specials excluded) this shard owns.</summary>
    public int TokenStart { get; }

    /// <summary>One past the last document token this shard owns.</summary>
    public int TokenEnd { get; }

    /// <summary>Number of K/V rows: owned tokens plus the document's BOS (first shard) and EOS (last shard).</summary>
    public int ValidLength { get; }

    /// <summary>Element type of the stored K/V.</summary>
    public KvDType DType { get; }

    /// <summary>Cross-attention heads.</summary>
    public int Heads { get; }

    /// <summary>Dimension of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Per decoder layer, keys and values <c>[heads, ValidLength, headDim]</c>.</summary>
    public IReadOnlyList<(torch.Tensor Keys, torch.Tensor Values)> Layers { get; }

    /// <summary>Bytes of K/V payload: 2 × layers × heads × ValidLength × headDim × element size.</summary>
    public long PayloadBytes => 2L * Layers.Count * Heads * ValidLength * HeadDim * DType.ElementSize();

    /// <summary>
    /// Bytes of K/V one source token costs, as stored: 2 × decoder layers × <paramref name="kvWidth"/> × element size,
    /// where the width is heads × head dim (d_model for the BART family; num_heads × d_kv for T5).
    /// </summary>
    public static long BytesPerToken(int decoderLayers, int kvWidth, KvDType dtype) => 2L * decoderLayers * kvWidth * dtype.ElementSize();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (k, v) in Layers)
        {
            k.Dispose();
            v.Dispose();
        }
    }
}
