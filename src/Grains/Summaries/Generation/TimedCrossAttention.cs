using System.Diagnostics;
using Summarizer.Model.Attention;
using TorchSharp;

namespace Summarizer.Grains.Summaries.Generation;

/// <summary>Measures the time a decoder spends in cross-attention, whichever memory serves it; disposing it disposes that memory.</summary>
public sealed class TimedCrossAttention(ICrossAttentionMemory inner) : ICrossAttentionMemory, IDisposable
{
    private readonly Stopwatch _clock = new();

    /// <summary>Time spent inside <see cref="Attend"/>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <inheritdoc />
    public torch.Tensor Attend(int layer, torch.Tensor query, int positions = 1)
    {
        _clock.Start();
        try { return inner.Attend(layer, query, positions); }
        finally { _clock.Stop(); }
    }

    /// <inheritdoc />
    /// <remarks>The wrapped memory's: a call folded across jobs is timed by the job whose memory made it.</remarks>
    public object? FoldKey => inner.FoldKey;

    /// <inheritdoc />
    public void Dispose() => (inner as IDisposable)?.Dispose();
}
