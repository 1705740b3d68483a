using Summarizer.Grains.Telemetry;

namespace Summarizer.Grains.Resilience;

/// <summary>
/// A job cannot go on for a reason its user can act on (the document is over a limit, the model is not configured, a
/// store refused the credentials). Its message is shown to the user as it is, so it names settings and options, never
/// keys, addresses or types; <see cref="Reason"/> is how metrics count it.
/// </summary>
public sealed class JobFailedException(JobFailureReason reason, string message) : Exception(message)
{
    /// <summary>The failure's class, as the <c>error.type</c> of <c>summarizer.jobs.failed</c>.</summary>
    public JobFailureReason Reason => reason;
}
