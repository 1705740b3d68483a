using Microsoft.Extensions.Logging;
using Summarizer.Contracts;

namespace Summarizer.Grains.Resilience;

/// <summary>
/// What a user is told when a job or a document fails: the reason, when it is one they can act on, and otherwise a
/// sentence with a correlation id. Stack traces, silo addresses, .NET type names and storage or document keys never
/// reach the user; they go to the log, under the same correlation id, so an operator can find them.
/// </summary>
public static class UserFacingError
{
    /// <summary>The user-facing reason for <paramref name="e"/>; unexpected failures are logged with a correlation id.</summary>
    /// <param name="e">The failure.</param>
    /// <param name="logger">Where the details go.</param>
    /// <param name="context">What failed, for the log only (it may name keys).</param>
    public static string Describe(Exception e, ILogger logger, string context)
    {
        switch (e)
        {
            case JobFailedException or StorageUnavailableException:
                logger.LogWarning("{Context} failed: {Reason}", context, e.Message);
                return e.Message;
            case ArgumentException argument:
                // Validation by the model core: messages name the option and its bounds.
                logger.LogWarning("{Context} failed: {Reason}", context, argument.Message);
                return argument.Message;
        }
        if (StoreCalls.IsStoreFailure(e)) return Describe(StoreCalls.Describe("store", e), logger, context);
        var id = Guid.NewGuid().ToString("N")[..12];
        logger.LogError(e, "{Context} failed (correlation id {CorrelationId}).", context, id);
        return RetryPolicy.IsSiloLoss(e)
            ? $"A part of the cluster the job needed stayed unreachable for longer than Summarizer:OutageLimit (correlation id {id})."
            : $"The job failed because of an internal error (correlation id {id}); the service's log has the details.";
    }
}
