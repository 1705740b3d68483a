using System.Diagnostics;
using Summarizer.Contracts;
using Summarizer.Grains.Distributed;
using Summarizer.Grains.Resilience;
using Summarizer.Grains.Telemetry;
using Summarizer.Model.Generation;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// A job's costs and timings as they accumulate over its run (and over resumes: encoder runs add up), and what the
/// run reports to operators (<see cref="JobTelemetry"/>: its spans, counters and histograms): the one place where what
/// is measured about a job is decided.
/// </summary>
internal sealed class JobStatistics(SummaryStatistics carried, JobTelemetry? telemetry = null)
{
    private readonly Stopwatch _encode = new(), _decode = new();
    private double? _firstTokenMs;

    /// <summary>The figures so far.</summary>
    public SummaryStatistics Current { get; private set; } = carried;

    /// <summary>The job starts obtaining its shards (encoding or loading).</summary>
    public void EncodeStarted() => _encode.Start();

    /// <summary>The document's encoding cost this job <paramref name="encoderRuns"/> runs (counted at once, so a job that moves carries them).</summary>
    public void Encoded(long encoderRuns) => Current = Current with { EncoderRuns = Current.EncoderRuns + encoderRuns };

    /// <summary>Where the shards are: the mode, the silos serving them, the share on the decoder's silo, and runs spent re-encoding lost ones.</summary>
    public void Placed(DocumentManifest manifest, DecodeMode mode, int shardSilos, double localShare, long repairRuns) => Current = Current with
    {
        DecodeMode = mode, ShardSilos = shardSilos, LocalShardShare = localShare, ShardCount = manifest.ShardCount, SourceTokens = manifest.SourceTokens,
        EncoderRuns = Current.EncoderRuns + repairRuns,
    };

    /// <summary>Decoding starts: shard acquisition is over.</summary>
    public void DecodeStarted()
    {
        telemetry?.Decoding(Current.ShardCount, Current.SourceTokens, Current.DecodeMode == DecodeMode.Distributed);
        _encode.Stop();
        Current = Current with { EncodeMs = _encode.Elapsed.TotalMilliseconds };
        _decode.Start();
    }

    /// <summary>A token was decided (the first one sets the time to first token).</summary>
    public void TokenDecided() => _firstTokenMs ??= _decode.Elapsed.TotalMilliseconds;

    /// <summary><paramref name="tokens"/> new tokens were published.</summary>
    public void Published(int tokens) => telemetry?.Published(tokens);

    /// <summary>The search ended with <paramref name="result"/>.</summary>
    public SummaryStatistics Completed(GenerationResult result, TimeSpan crossAttention, ShardGrainPartials? scatter)
    {
        _decode.Stop();
        double decodeMs = _decode.Elapsed.TotalMilliseconds;
        int steps = Math.Max(1, result.DecoderSteps);
        return Current = Current with
        {
            Tokens = result.GeneratedIds.Count,
            TimeToFirstTokenMs = _firstTokenMs ?? 0,
            DecodeMs = decodeMs,
            TokensPerSecond = result.GeneratedIds.Count / Math.Max(_decode.Elapsed.TotalSeconds, 1e-9),
            CrossAttentionShare = crossAttention.TotalMilliseconds / Math.Max(decodeMs, 1e-9),
            RoundTripsPerToken = scatter is null ? 0 : (double)scatter.RoundTrips / steps,
            BytesPerToken = scatter is null ? 0 : (double)scatter.BytesMoved / steps,
            DecoderSteps = result.DecoderSteps,
        };
    }

    /// <summary>The job ended: completed, cancelled, or failed with <paramref name="failure"/>.</summary>
    public void Ended(SummaryStatus status, Exception? failure = null)
    {
        switch (status)
        {
            case SummaryStatus.Completed: telemetry?.Completed(Current.Tokens, Current.TokensPerSecond); break;
            case SummaryStatus.Cancelled: telemetry?.Cancelled(); break;
            default: telemetry?.Failed(Classify(failure)); break;
        }
    }

    private static JobFailureReason Classify(Exception? e) => e switch
    {
        JobFailedException failed => failed.Reason,
        StorageUnavailableException => JobFailureReason.Storage,
        null => JobFailureReason.Internal,
        _ when RetryPolicy.IsSiloLoss(e) => JobFailureReason.Cluster,
        _ when StoreCalls.IsStoreFailure(e) => JobFailureReason.Storage,
        _ => TelemetryReasons.Classify(e),
    };
}
