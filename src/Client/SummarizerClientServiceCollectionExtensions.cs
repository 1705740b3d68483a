using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Summarizer.Client;

/// <summary>Dependency-injection wiring for <see cref="SummarizerClient"/>.</summary>
public static class SummarizerClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SummarizerClient"/> over the <see cref="IGrainFactory"/> already in the container
    /// (a silo host, or a host configured with <c>UseOrleansClient</c>).
    /// </summary>
    public static IServiceCollection AddSummarizerClient(this IServiceCollection services) =>
        services.AddSingleton(sp => new SummarizerClient(sp.GetRequiredService<IGrainFactory>()));

    /// <summary>
    /// Connects an Orleans client to a cluster (<paramref name="configureClient"/> picks clustering, for example
    /// <c>UseLocalhostClustering()</c>) and registers <see cref="SummarizerClient"/> over it.
    /// </summary>
    public static IHostApplicationBuilder AddSummarizerClient(this IHostApplicationBuilder builder, Action<IClientBuilder> configureClient)
    {
        builder.UseOrleansClient(configureClient);
        builder.Services.AddSummarizerClient();
        return builder;
    }
}
