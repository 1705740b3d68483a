using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using StackExchange.Redis;
using Summarizer.Contracts;
using Summarizer.Grains.Resilience;

namespace Summarizer.Grains.Tests.Resilience;

/// <summary>What a user is told when a job fails, and what only the log gets.</summary>
public sealed class UserFacingErrorTests
{
    private sealed class Capture : ILogger
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception), exception));
    }

    private static Exception Thrown(Exception e)
    {
        try { throw e; }
        catch (Exception caught) { return caught; }
    }

    [Fact]
    public void AnUnexpectedFailureShowsOnlyACorrelationIdAndTheLogGetsTheDetailsUnderIt()
    {
        var log = new Capture();
        var failure = Thrown(new InvalidOperationException("Key tenant/abc123/fp9#4 missing on S127.0.0.1:11111:1"));

        var reason = UserFacingError.Describe(failure, log, "Summary job j1");

        var id = System.Text.RegularExpressions.Regex.Match(reason, "correlation id ([0-9a-f]{12})").Groups[1].Value;
        Assert.NotEmpty(id);
        foreach (var leak in new[] { "InvalidOperationException", "tenant/abc123", "127.0.0.1", " at ", "Summarizer." })
            Assert.DoesNotContain(leak, reason);
        var line = Assert.Single(log.Lines, l => l.Level == LogLevel.Error);
        Assert.Contains(id, line.Message);
        Assert.Same(failure, line.Exception);
    }

    [Fact]
    public void AStoreFailureNamesTheStoreAndTheKindOfFailureButNotItsAddressOrKeys()
    {
        var failure = new RedisConnectionException(ConnectionFailureType.UnableToConnect,
            "No connection is active/available to service this operation: SETEX svc:kv:fp:tenant:hash:3:b0; UnableToConnect on 127.0.0.1:6390/Interactive");

        var reason = UserFacingError.Describe(failure, new Capture(), "Encoding document tenant/hash/fp");

        Assert.Equal("The store (Redis) is unreachable (UnableToConnect).", reason);
    }

    [Fact]
    public void RefusedCredentialsAreNamedWithTheSettingsToCheck()
    {
        var failure = new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, "AuthenticationFailure on 10.0.0.5:6379 (WRONGPASS)");

        var reason = StoreCalls.Describe("K/V store", failure);

        Assert.False(reason.Transient);
        Assert.Contains("AuthenticationFailure", reason.Message);
        Assert.Contains("Summarizer:Redis:Password", reason.Message);
        Assert.DoesNotContain("10.0.0.5", reason.Message);
    }

    [Fact]
    public void AFailureTheUserCanActOnIsShownAsItIs()
    {
        var reason = UserFacingError.Describe(new JobFailedException(Telemetry.JobFailureReason.Encoding, "The document is 600 tokens long; the limit is 100 tokens (Summarizer:MaxDocumentTokens)."),
            new Capture(), "Summary job j1");

        Assert.Equal("The document is 600 tokens long; the limit is 100 tokens (Summarizer:MaxDocumentTokens).", reason);
    }

    [Fact]
    public void ALostSiloIsTransientForTheRetryPolicyEvenWrappedWhileACodingMistakeIsNot()
    {
        Assert.True(RetryPolicy.IsTransient(new SiloUnavailableException()));
        Assert.True(RetryPolicy.IsTransient(new AggregateException(new TimeoutException())));
        Assert.True(RetryPolicy.IsTransient(new StorageUnavailableException("The job event store (Redis) is unreachable (UnableToConnect).", transient: true)));
        Assert.False(RetryPolicy.IsTransient(new StorageUnavailableException("The K/V store (Redis) refused the service's credentials (AuthenticationFailure).", transient: false)));
        // Orleans' Redis grain storage keeps only the message of what Redis answered while it restarts.
        Assert.True(RetryPolicy.IsTransient(new Orleans.Persistence.Redis.RedisStorageException(
            "Failed to write grain state for document grain. StackExchange.Redis.RedisServerException: LOADING Redis is loading the dataset in memory")));
        Assert.True(RetryPolicy.IsTransient(new RedisServerException("EXECABORT Transaction discarded because of previous errors.")));
        Assert.False(RetryPolicy.IsTransient(new RedisServerException("OOM command not allowed when used memory > 'maxmemory'.")));
        Assert.False(RetryPolicy.IsTransient(new ArgumentException("beams must be at least 1")));
        Assert.False(RetryPolicy.IsTransient(new OperationCanceledException()));
    }
}
