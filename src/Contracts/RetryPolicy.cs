using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;

namespace Summarizer.Contracts;

/// <summary>
/// The one retry policy for grain calls, used by the grains and the client library alike. A call that fails because its
/// target's silo died (connection failed, silo unavailable, message rejected, a response that never came) or because a
/// store was briefly unreachable is made again after a short back-off: Orleans then activates the target on a surviving
/// silo, which reloads what it needs. Only idempotent calls go through it. An outage longer than the caller's limit
/// (<see cref="DefaultOutageLimit"/> unless given) lets the last error through. Store operations (Redis) use the same
/// classification and back-off.
/// </summary>
public static class RetryPolicy
{
    /// <summary>How long a target may stay unreachable before a call gives up, unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultOutageLimit = TimeSpan.FromMinutes(2);

    /// <summary>Whether <paramref name="e"/> (or an exception inside it) says the target's silo is gone or did not answer.</summary>
    public static bool IsSiloLoss(Exception e) => Any(e, x => x is SiloUnavailableException or ConnectionFailedException
        or OrleansMessageRejectionException or TimeoutException or ClientNotAvailableException);

    /// <summary>
    /// Whether <paramref name="e"/> says a store (Redis) was unreachable, even when its type did not survive the trip
    /// between silos or Orleans' Redis grain storage wrapped it. A store that refuses the credentials is not an outage:
    /// waiting does not fix it.
    /// </summary>
    public static bool IsStorageOutage(Exception e) => !IsCredentialFailure(e) && Any(e, x => x is StorageUnavailableException { Transient: true }
        || TypeName(x) is "StackExchange.Redis.RedisConnectionException" or "StackExchange.Redis.RedisTimeoutException"
        || (TypeName(x) == "StackExchange.Redis.RedisServerException" && PassingRedisError(x.Message) is not null)
        || (TypeName(x) == "Orleans.Persistence.Redis.RedisStorageException" && (x.Message.Contains("StackExchange.Redis.RedisConnectionException", StringComparison.Ordinal)
            || x.Message.Contains("StackExchange.Redis.RedisTimeoutException", StringComparison.Ordinal) || PassingRedisError(x.Message) is not null)));

    /// <summary>
    /// The code of a Redis error in <paramref name="message"/> that says "not now" rather than "never": still loading its
    /// data after a restart, busy, a replica promoting, or a transaction discarded because of one of those (EXECABORT);
    /// null when there is none. Orleans' Redis grain storage keeps only the message of such an error, so it is read there.
    /// </summary>
    public static string? PassingRedisError(string message)
    {
        foreach (var code in PassingRedisErrors)
        {
            if (message.StartsWith(code + " ", StringComparison.Ordinal) || message.Contains("RedisServerException: " + code, StringComparison.Ordinal))
                return code;
        }
        return null;
    }

    private static readonly string[] PassingRedisErrors = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "EXECABORT"];

    /// <summary>Whether a store refused the service's credentials (wrong or missing password or user).</summary>
    public static bool IsCredentialFailure(Exception e) => Any(e, x => x.Message.Contains("AuthenticationFailure", StringComparison.Ordinal)
        || x.Message.Contains("NOAUTH", StringComparison.Ordinal) || x.Message.Contains("WRONGPASS", StringComparison.Ordinal));

    /// <summary>Whether repeating an idempotent call that failed with <paramref name="e"/> may succeed.</summary>
    public static bool IsTransient(Exception e) => e is not OperationCanceledException && (IsSiloLoss(e) || IsStorageOutage(e));

    /// <summary>Whether <paramref name="e"/> is worth waiting out for a caller that does or does not wait out storage outages.</summary>
    private static bool IsTransient(Exception e, bool storageOutages) =>
        e is not OperationCanceledException && (IsSiloLoss(e) || (storageOutages && IsStorageOutage(e)));

    /// <summary>
    /// Makes <paramref name="call"/>, again after each transient failure, until an outage has lasted
    /// <paramref name="outageLimit"/>; with <paramref name="storageOutages"/> false only silo loss is waited out (a caller
    /// that should answer "unavailable" at once rather than wait for Redis); <paramref name="alsoTransient"/> adds failures
    /// a particular store knows to be passing.
    /// </summary>
    public static Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default, ILogger? logger = null, string? what = null,
        TimeSpan? outageLimit = null, bool storageOutages = true, Func<Exception, bool>? alsoTransient = null) =>
        RunAsync(call, alive: null, cancellationToken, logger, what, outageLimit ?? DefaultOutageLimit, storageOutages, alsoTransient);

    /// <summary>As <see cref="CallAsync{T}"/>, for calls without a result.</summary>
    public static Task CallAsync(Func<Task> call, CancellationToken cancellationToken = default, ILogger? logger = null, string? what = null,
        TimeSpan? outageLimit = null, bool storageOutages = true, Func<Exception, bool>? alsoTransient = null) =>
        RunAsync(async () => { await call(); return true; }, alive: null, cancellationToken, logger, what, outageLimit ?? DefaultOutageLimit, storageOutages, alsoTransient);

    /// <summary>
    /// Follows a long idempotent call (encoding, re-encoding lost shards, preparing a shard) that may outlast Orleans'
    /// response timeout. The timeout bounds the wait for a reply, not the work: when it fires and the target still
    /// answers <paramref name="alive"/> (a cheap call that reads its progress), the call is simply made again and the
    /// repeat returns once the work ends. So such calls are bounded by progress, not by the timeout; silo loss and
    /// storage outages are retried as in <see cref="CallAsync{T}"/>.
    /// </summary>
    public static Task<T> FollowAsync<T>(Func<Task<T>> call, Func<Task> alive, CancellationToken cancellationToken = default, ILogger? logger = null, string? what = null,
        TimeSpan? outageLimit = null) =>
        RunAsync(call, alive, cancellationToken, logger, what, outageLimit ?? DefaultOutageLimit, storageOutages: true, alsoTransient: null);

    private static async Task<T> RunAsync<T>(Func<Task<T>> call, Func<Task>? alive, CancellationToken cancellationToken, ILogger? logger, string? what,
        TimeSpan outageLimit, bool storageOutages, Func<Exception, bool>? alsoTransient)
    {
        DateTime? outageSince = null;
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await call();
            }
            catch (TimeoutException) when (alive is not null && !cancellationToken.IsCancellationRequested)
            {
                // Still working, or gone: the progress call tells which (and fails once the outage limit is spent).
                await CallAsync(alive, cancellationToken, logger, what, outageLimit, storageOutages);
                logger?.LogInformation("{Call} is outlasting the grain-call timeout; following it.", what ?? "A long grain call");
                outageSince = null;
                attempt = 0;
            }
            catch (Exception e) when ((IsTransient(e, storageOutages) || (alsoTransient?.Invoke(e) ?? false) || IsForeignCancellation(e)) && !cancellationToken.IsCancellationRequested
                && DateTime.UtcNow - (outageSince ??= DateTime.UtcNow) < outageLimit)
            {
                logger?.LogInformation("{Call} failed ({Reason}); retrying (attempt {Attempt}).", what ?? "A grain call", Describe(e), attempt);
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }

    // A cancellation the caller did not ask for: Orleans expiring a message it could not place or deliver in time (its
    // target's silo was being declared dead), or the callee's own work cancelled as its activation went away.
    private static bool IsForeignCancellation(Exception e) => e is OperationCanceledException;

    /// <summary>A short, safe description of a transient failure: its type name, never its message (which may name addresses or keys).</summary>
    public static string Describe(Exception e) => TypeName(e.GetBaseException()) is { } name ? name[(name.LastIndexOf('.') + 1)..] : "unknown";

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt) + Random.Shared.Next(0, 100));

    private static string? TypeName(Exception e) => e is UnavailableExceptionFallbackException fallback ? fallback.ExceptionType : e.GetType().FullName;

    private static bool Any(Exception e, Func<Exception, bool> test)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (test(x)) return true;
            if (x is AggregateException aggregate && aggregate.InnerExceptions.Any(i => Any(i, test))) return true;
        }
        return false;
    }
}
