using System.Text.RegularExpressions;

namespace Summarizer.Silo;

/// <summary>
/// What kind of storage failure kept a job from being recorded, in words a client can act on. The exceptions
/// themselves name grain ids, storage keys, silo addresses and .NET types, so they go to the log only.
/// </summary>
internal static partial class StorageFailures
{
    /// <summary>A one-sentence description of <paramref name="e"/>'s kind.</summary>
    public static string Describe(Exception e)
    {
        var messages = string.Join(" | ", Chain(e).Select(x => x.Message));
        if (Authentication().IsMatch(messages))
            return "the job store refused this silo's credentials (Redis authentication failure: NOAUTH/WRONGPASS).";
        if (Chain(e).Any(x => x is TimeoutException or System.Net.Sockets.SocketException) || Unreachable().IsMatch(messages))
            return "the job store is unreachable.";
        return "the job store failed.";
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
        }
    }

    [GeneratedRegex("NOAUTH|WRONGPASS|AuthenticationFailure|authentication", RegexOptions.IgnoreCase)]
    private static partial Regex Authentication();

    [GeneratedRegex("No connection is (active|available)|UnableToConnect|SocketFailure|timeout|timed out|connection refused", RegexOptions.IgnoreCase)]
    private static partial Regex Unreachable();
}
