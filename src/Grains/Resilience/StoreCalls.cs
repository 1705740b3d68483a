using Microsoft.Extensions.Logging;
using Orleans.Storage;
using StackExchange.Redis;
using Summarizer.Contracts;

namespace Summarizer.Grains.Resilience;

/// <summary>
/// Store operations (Redis: K/V blobs, job events, grain state) through the one retry policy (<see cref="RetryPolicy"/>):
/// an outage is waited out up to the caller's limit, and what is left becomes a <see cref="StorageUnavailableException"/>
/// whose message names the store and the kind of failure, never an address, a key or a credential (those go to the log).
/// </summary>
public static class StoreCalls
{
    /// <summary>No limit: wait for the store as long as it takes (job events and job state; see <see cref="RetryPolicy"/>).</summary>
    public static readonly TimeSpan Forever = TimeSpan.MaxValue;

    /// <summary>Runs <paramref name="operation"/> against <paramref name="store"/>, waiting out outages for up to <paramref name="outageLimit"/>.</summary>
    public static async Task<T> RunAsync<T>(string store, Func<Task<T>> operation, TimeSpan outageLimit, ILogger? logger, CancellationToken cancellationToken = default)
    {
        try
        {
            return await RetryPolicy.CallAsync(operation, cancellationToken, logger, store, outageLimit);
        }
        catch (Exception e) when (e is not (OperationCanceledException or StorageUnavailableException) && IsStoreFailure(e))
        {
            var failure = Describe(store, e);
            logger?.LogWarning(e, "{Store} failed: {Reason}", store, failure.Message);
            throw failure;
        }
    }

    /// <summary>As <see cref="RunAsync{T}"/>, for operations without a result.</summary>
    public static Task RunAsync(string store, Func<Task> operation, TimeSpan outageLimit, ILogger? logger, CancellationToken cancellationToken = default) =>
        RunAsync(store, async () => { await operation(); return true; }, outageLimit, logger, cancellationToken);

    /// <summary>
    /// Writes a grain's state, waiting out outages for up to <paramref name="outageLimit"/>. The write is this
    /// activation's version of the state, and it wins: a version conflict means the stored tag moved under it (a write
    /// whose reply was lost landed anyway, or another activation of the grain wrote while silos were being declared
    /// dead), so the stored tag is taken and the state written again. The grains using this keep states that any
    /// activation rebuilds the same way (a document's manifest) or that another record arbitrates (a job's event log).
    /// </summary>
    public static Task WriteAsync<T>(IPersistentState<T> state, string store, TimeSpan outageLimit, ILogger? logger, CancellationToken cancellationToken = default)
    {
        var mine = state.State;
        return RunAsync(store, async () =>
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                logger?.LogWarning("The stored version of a grain's state in the {Store} moved under it; writing this activation's version again.", store);
                await state.ReadStateAsync();
                state.State = mine;
                await state.WriteStateAsync();
            }
            finally
            {
                state.State = mine;
            }
        }, outageLimit, logger, cancellationToken);
    }

    /// <summary>Whether <paramref name="e"/> comes from a store rather than from the caller's own logic.</summary>
    public static bool IsStoreFailure(Exception e) =>
        RetryPolicy.IsStorageOutage(e) || RetryPolicy.IsCredentialFailure(e) || Find<RedisException>(e) is not null
        || e.GetType().FullName == "Orleans.Persistence.Redis.RedisStorageException";

    /// <summary>The user-safe description of a store failure.</summary>
    public static StorageUnavailableException Describe(string store, Exception e)
    {
        if (RetryPolicy.IsCredentialFailure(e))
            return new($"The {store} (Redis) refused the service's credentials (AuthenticationFailure); check Summarizer:Redis:User and Summarizer:Redis:Password.", transient: false, e);
        if (Find<RedisConnectionException>(e) is { } connection)
            return new($"The {store} (Redis) is unreachable ({connection.FailureType}).", transient: true, e);
        if (Find<RedisTimeoutException>(e) is not null || Find<TimeoutException>(e) is not null)
            return new($"The {store} (Redis) did not answer in time.", transient: true, e);
        if (Find<RedisServerException>(e) is { } server)
            return new($"The {store} (Redis) refused the operation ({ErrorCode(server.Message)}).", RetryPolicy.PassingRedisError(server.Message) is not null, e);
        if (RetryPolicy.PassingRedisError(e.Message) is { } passing)
            return new($"The {store} (Redis) refused the operation ({passing}).", transient: true, e);
        return new($"The {store} (Redis) is unavailable.", transient: true, e);
    }

    // Redis errors begin with an upper-case code (OOM, READONLY, ...); the rest may name keys.
    private static string ErrorCode(string message)
    {
        var code = message.Split(' ', 2)[0];
        return code.Length > 0 && code.All(c => c is >= 'A' and <= 'Z') ? code : "ERR";
    }

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is T found) return found;
            if (x is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions)
                    if (Find<T>(inner) is { } nested) return nested;
        }
        return null;
    }
}
