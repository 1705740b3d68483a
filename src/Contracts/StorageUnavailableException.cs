namespace Summarizer.Contracts;

/// <summary>
/// A store (grain state, job events, K/V) could not be reached for longer than a call may wait. Its message names the
/// store and the kind of failure (for example <c>UnableToConnect</c>), never an address, a key or a credential, so it
/// may reach a user.
/// </summary>
[GenerateSerializer, Alias("summarizer.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, safe to show a user.</param>
    /// <param name="transient">Whether waiting may fix it (an outage) or not (refused credentials).</param>
    /// <param name="inner">The failure that caused it, for the log.</param>
    public StorageUnavailableException(string message, bool transient, Exception? inner = null) : base(message, inner)
    {
        Transient = transient;
    }

    /// <summary>Whether waiting may fix it: true for an outage, false for refused credentials.</summary>
    [Id(0)] public bool Transient { get; }
}
