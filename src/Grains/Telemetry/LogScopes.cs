using Microsoft.Extensions.Logging;

namespace Summarizer.Grains.Telemetry;

/// <summary>
/// Structured logging scopes: key/value lists, which the console's JSON formatter writes as fields and the
/// OpenTelemetry logger exports as attributes. Names are those of the message templates (<c>JobId</c>, <c>Tenant</c>).
/// </summary>
public static class LogScopes
{
    /// <summary>The scope of everything logged while job <paramref name="jobId"/> of <paramref name="tenant"/> runs.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Job(string jobId, string tenant) =>
        [new("JobId", jobId), new("Tenant", tenant)];

    /// <summary>The scope of everything logged while document grain <paramref name="documentKey"/> works.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Document(string documentKey) => [new("Document", documentKey)];

    /// <summary>Begins the scope of a job on <paramref name="logger"/>.</summary>
    public static IDisposable? BeginJobScope(this ILogger logger, string jobId, string tenant) => logger.BeginScope(Job(jobId, tenant));
}
