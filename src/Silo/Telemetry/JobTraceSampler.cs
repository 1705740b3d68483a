using OpenTelemetry.Trace;
using Summarizer.Grains.Telemetry;

namespace Summarizer.Silo.Telemetry;

/// <summary>
/// Keeps the traces an operator asks about: one per HTTP request (a job's trace starts at its <c>POST</c>) and one per
/// job run that no request carries (a job resumed after its silo died). Child spans follow their parent's decision.
/// Roots of anything else are dropped: the Orleans runtime's and the dashboard's own grain calls every second, and the
/// calls made from threads with no ambient span, would otherwise bury the jobs' traces.
/// </summary>
internal sealed class JobTraceSampler : Sampler
{
    /// <summary>ASP.NET Core's name for its request activity.</summary>
    internal const string HttpRequestActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public JobTraceSampler() => Description = nameof(JobTraceSampler);

    /// <inheritdoc />
    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        var parent = parameters.ParentContext;
        if (parent.TraceId != default)
            return parent.TraceFlags.HasFlag(System.Diagnostics.ActivityTraceFlags.Recorded) ? Keep : Drop;
        return parameters.Name == HttpRequestActivity || parameters.Name.StartsWith(SummarizerActivities.SpanPrefix, StringComparison.Ordinal) ? Keep : Drop;
    }
}
