using OpenTelemetry.Trace;
using Summarizer.Grains.Telemetry;

namespace Summarizer.Silo.Telemetry;

/// <summary>
/// Keeps the traces an operator asks about: one per HTTP request (a job's trace starts at its <c>POST</c>) and one per
/// job run that no request carries (a job resumed after its silo died). Child spans follow their parent's decision.
/// Roots of anything else are dropped: the Orleans runtime's and the dashboard's own grain calls every second, and the
/// calls made from threads with no ambient span, would otherwise bury the jobs' traces. So are the calls a job makes by
/// the hundred: the progress polls of the document grain (five a second while it encodes), which say nothing the
/// encoder batch spans do not, and distributed decoding's shard calls (layers × shards per token), which the decode span
/// sums up.
/// </summary>
internal sealed class JobTraceSampler : Sampler
{
    /// <summary>ASP.NET Core's name for its request activity.</summary>
    internal const string HttpRequestActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    /// <summary>Orleans' span names (interface/method) of the calls a job makes by the hundred.</summary>
    internal static readonly HashSet<string> Repetitive = new(StringComparer.Ordinal) { "IDocumentGrain/GetProgressAsync", "IShardGrain/AttendAsync", "IShardGrain/AttendGroupAsync" };

    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public JobTraceSampler() => Description = nameof(JobTraceSampler);

    /// <inheritdoc />
    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        var parent = parameters.ParentContext;
        if (parent.TraceId != default)
            return parent.TraceFlags.HasFlag(System.Diagnostics.ActivityTraceFlags.Recorded) && !Repetitive.Contains(parameters.Name) ? Keep : Drop;
        return parameters.Name == HttpRequestActivity || parameters.Name.StartsWith(SummarizerActivities.SpanPrefix, StringComparison.Ordinal) ? Keep : Drop;
    }
}
