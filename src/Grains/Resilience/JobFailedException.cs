namespace Summarizer.Grains.Resilience;

/// <summary>
/// A job cannot go on for a reason its user can act on (the document is over a limit, the model is not configured, a
/// store refused the credentials). Its message is shown to the user as it is, so it names settings and options, never
/// keys, addresses or types.
/// </summary>
public sealed class JobFailedException(string reason) : Exception(reason);
