using TorchSharp;

namespace Summarizer.Model.KvCache;

/// <summary>
/// The compact stored form of a shard: the encoder output for the rows the shard keeps, <c>[ValidLength, d_model]</c>,
/// instead of every decoder layer's K and V. It is 2 × decoder-layers times smaller; whoever loads it projects the
/// K/V once (<see cref="Encoder.ShardEncoder.ProjectHidden"/>). Owns its tensor.
/// </summary>
public sealed class HiddenShard : IDisposable
{
    /// <summary>Creates a shard; it takes ownership of <paramref name="hidden"/>.</summary>
    public HiddenShard(string documentId, string modelFingerprint, int index, int tokenStart, int tokenEnd, KvDType dtype, torch.Tensor hidden)
    {
        if (hidden.shape.Length != 2) throw new ArgumentException($"Hidden rows must be [length, d_model]; got [{string.Join(", ", hidden.shape)}].", nameof(hidden));
        DocumentId = documentId;
        ModelFingerprint = modelFingerprint;
        Index = index;
        TokenStart = tokenStart;
        TokenEnd = tokenEnd;
        DType = dtype;
        Hidden = hidden;
    }

    /// <summary>The document this shard belongs to.</summary>
    public string DocumentId { get; }

    /// <summary>Fingerprint of the model that encoded it.</summary>
    public string ModelFingerprint { get; }

    /// <summary>Position of the shard in the document.</summary>
    public int Index { get; }

    /// <summary>First document token the shard owns.</summary>
    public int TokenStart { get; }

    /// <summary>One past the last document token the shard owns.</summary>
    public int TokenEnd { get; }

    /// <summary>Element type of the stored rows.</summary>
    public KvDType DType { get; }

    /// <summary>Encoder output rows <c>[ValidLength, d_model]</c>.</summary>
    public torch.Tensor Hidden { get; }

    /// <summary>Rows held.</summary>
    public int ValidLength => (int)Hidden.shape[0];

    /// <summary>Bytes of payload: ValidLength × d_model × element size.</summary>
    public long PayloadBytes => Hidden.shape[0] * Hidden.shape[1] * DType.ElementSize();

    /// <inheritdoc />
    public void Dispose() => Hidden.Dispose();
}
