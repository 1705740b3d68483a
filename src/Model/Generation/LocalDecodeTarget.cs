using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Generation;

/// <summary>
/// Decodes with an <see cref="IEncoderDecoderNetwork"/> in this process against any <see cref="ICrossAttentionMemory"/>. Every
/// step runs under <c>no_grad</c> in its own dispose scope; only the self-attention cache outlives a step.
/// </summary>
public sealed class LocalDecodeTarget : IDecodeTarget
{
    private readonly IEncoderDecoderNetwork _model;
    private readonly ICrossAttentionMemory _memory;
    private readonly SelfAttentionCache _cache;

    /// <summary>Creates a target decoding against <paramref name="memory"/>; it does not take ownership of it.</summary>
    public LocalDecodeTarget(IEncoderDecoderNetwork model, ICrossAttentionMemory memory)
    {
        _model = model;
        _memory = memory;
        _cache = model.CreateCache();
    }

    /// <inheritdoc />
    public int VocabSize => _model.Config.VocabSize;

    /// <summary>Decoder steps run so far.</summary>
    public int Steps { get; private set; }

    /// <inheritdoc />
    public float[] Step(IReadOnlyList<int> lastTokens, bool logSoftmax)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(lastTokens.Select(t => (long)t).ToArray(), [lastTokens.Count, 1]).to(_model.Device);
        var logits = _model.DecodeStep(ids, _cache, _memory);
        if (logSoftmax) logits = logits.log_softmax(-1);
        Steps++;
        return logits.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <inheritdoc />
    public void Reorder(IReadOnlyList<int> sourceRows)
    {
        using var scope = NewDisposeScope();
        _cache.Reorder(tensor(sourceRows.Select(r => (long)r).ToArray()).to(_model.Device));
    }

    /// <inheritdoc />
    public void Dispose() => _cache.Dispose();
}
