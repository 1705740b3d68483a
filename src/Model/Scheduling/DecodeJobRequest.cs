using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Summarizer.Model.Network;

namespace Summarizer.Model.Scheduling;

/// <summary>A decoding job for the <see cref="IterationEngine"/>: what to decode with, against what, and who hears of it.</summary>
/// <param name="Network">The network to decode with; jobs on the same network share batched steps.</param>
/// <param name="CreateMemory">
/// Builds the job's cross-attention memory on the engine's thread when the job joins (building one is tensor work:
/// stacking a long document's K/V). A memory that throws fails this job only.
/// </param>
/// <param name="Settings">Search parameters (greedy for one beam, beam search for more).</param>
public sealed record DecodeJobRequest(IDecoderNetwork Network, Func<ICrossAttentionMemory> CreateMemory, GenerationSettings Settings)
{
    /// <summary>Tokens this job already published (a resumed job): decoded as one prefix pass, never again step by step.</summary>
    public IReadOnlyList<int> Published { get; init; } = [];

    /// <summary>Receives tokens as soon as they are final, on the engine's thread; a callback that throws fails its job.</summary>
    public Action<IReadOnlyList<int>>? OnDecided { get; init; }

    /// <summary>Cancels the job at the next iteration boundary (or while it waits to join).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Whether the engine disposes the memory when the job leaves (when it is <see cref="IDisposable"/>).</summary>
    public bool DisposeMemory { get; init; } = true;

    /// <summary>
    /// Where the job's attribution records go, or null for none. The same trace must be given to the memory that
    /// <see cref="CreateMemory"/> builds (<see cref="Attention.ShardedCrossAttention"/>), which stages the records.
    /// </summary>
    public Attribution.AttentionTrace? Attribution { get; init; }

    /// <summary>A name for logs and diagnostics.</summary>
    public string? Name { get; init; }
}
