using Microsoft.Extensions.Options;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// How a job's decoder attends over its shards: as the request asks, else as <c>Summarizer:DecodeMode</c> says; in
/// <see cref="DecodeMode.Auto"/>, distributed when the document's stored K/V exceeds
/// <c>Summarizer:DistributedAboveBytes</c> (pulling that much into one silo would cost more than scattering queries).
/// </summary>
public sealed class DecodeModePolicy(IOptions<SummarizerOptions> options)
{
    /// <summary>The mode for a job that asked for <paramref name="requested"/> over <paramref name="storedKvBytes"/> of K/V.</summary>
    public DecodeMode Choose(DecodeMode? requested, long storedKvBytes) => (requested ?? options.Value.DecodeMode) switch
    {
        DecodeMode.Local => DecodeMode.Local,
        DecodeMode.Distributed => DecodeMode.Distributed,
        _ => storedKvBytes > options.Value.DistributedAboveBytes ? DecodeMode.Distributed : DecodeMode.Local,
    };
}
