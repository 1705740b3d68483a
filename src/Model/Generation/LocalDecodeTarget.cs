using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Generation;

/// <summary>
/// Decodes with an <see cref="IDecoderNetwork"/> in this process against any <see cref="ICrossAttentionMemory"/>.
/// Every step runs under <c>no_grad</c> in its own dispose scope; only the self-attention cache outlives a step.
/// </summary>
public sealed class LocalDecodeTarget : IDecodeTarget
{
    private readonly IDecoderNetwork _network;

    /// <summary>Creates a target decoding against <paramref name="memory"/>; it does not take ownership of it.</summary>
    public LocalDecodeTarget(IDecoderNetwork network, ICrossAttentionMemory memory)
    {
        _network = network;
        Memory = memory;
        Cache = network.CreateCache();
    }

    /// <inheritdoc />
    public int VocabSize => _network.VocabSize;

    /// <summary>Decoder passes run so far (a prefix pass counts as one).</summary>
    public int Steps { get; private set; }

    /// <summary>The document this target attends to.</summary>
    public ICrossAttentionMemory Memory { get; }

    /// <summary>The rows' self-attention cache (what a batched step extends).</summary>
    public SelfAttentionCache Cache { get; }

    /// <inheritdoc />
    public float[] Step(IReadOnlyList<int> lastTokens, bool logSoftmax)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(lastTokens.Select(t => (long)t).ToArray(), [lastTokens.Count, 1]).to(_network.Device);
        var logits = _network.DecodeStep(ids, Cache, Memory);
        if (logSoftmax) logits = logits.log_softmax(-1);
        Steps++;
        return ToHost(logits);
    }

    /// <inheritdoc />
    /// <remarks>One pass over the prefix (one row), then the cache row is copied to every row.</remarks>
    public (float[] Scores, float[]? TokenLogProbs) Prefill(IReadOnlyList<int> tokens, int rows, bool logSoftmax, bool tokenLogProbs)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Count]).to(_network.Device);
        var (last, logProbs) = _network.DecodePrefix(ids, Cache, Memory, tokenLogProbs);
        if (logSoftmax) last = last.log_softmax(-1);
        if (rows > 1)
        {
            Cache.Reorder(zeros(rows, ScalarType.Int64, device: _network.Device));
            last = last.expand(rows, -1);
        }
        Steps++;
        return (ToHost(last), logProbs is null ? null : ToHost(logProbs));
    }

    /// <inheritdoc />
    public void Reorder(IReadOnlyList<int> sourceRows)
    {
        using var scope = NewDisposeScope();
        Cache.Reorder(tensor(sourceRows.Select(r => (long)r).ToArray()).to(_network.Device));
    }

    /// <summary>A tensor's values as managed F32, row after row.</summary>
    internal static float[] ToHost(Tensor t) => t.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    /// <inheritdoc />
    public void Dispose() => Cache.Dispose();
}
