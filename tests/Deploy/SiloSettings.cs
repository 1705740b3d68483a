using Summarizer.Grains.Hosting;

namespace Summarizer.Deploy.Tests;

/// <summary>The environment variable names the silo process reads (its configuration keys), derived from the code.</summary>
internal static class SiloSettings
{
    /// <summary>Pod identity variables the manifests define only to expand into settings with <c>$(NAME)</c>.</summary>
    public static readonly string[] PodIdentity = ["POD_NAME", "POD_IP"];

    /// <summary>Every name the silo reads: <c>Summarizer__{Option}</c>, the Orleans ids and the HTTP URLs.</summary>
    public static IReadOnlySet<string> Names { get; } = typeof(SummarizerOptions).GetProperties()
        // A nested options object (Summarizer:Redis, Summarizer:Telemetry) is read as its own properties: Summarizer__Redis__Password, ...
        .SelectMany(p => p.PropertyType == typeof(RedisSecurityOptions) || p.PropertyType == typeof(Summarizer.Grains.Telemetry.TelemetryOptions)
            ? p.PropertyType.GetProperties().Select(n => $"{SummarizerOptions.Section}__{p.Name}__{n.Name}")
            : [$"{SummarizerOptions.Section}__{p.Name}"])
        // Read by the host (SummarizerHostExtensions), not bound into SummarizerOptions.
        .Append("Summarizer__MaxRequestBytes")
        .Concat(["ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID", "ASPNETCORE_URLS"])
        // ASP.NET Core's console logger: JSON lines with scopes (job id, tenant) in the manifests.
        .Concat(["Logging__Console__FormatterName", "Logging__Console__FormatterOptions__IncludeScopes"])
        .ToHashSet(StringComparer.Ordinal);
}
