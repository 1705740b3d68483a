using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Summarizer.Cli.Commands;
using Summarizer.Client;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Summaries;

namespace Summarizer.Cli.Backends;

/// <summary>
/// A single silo inside the CLI process: localhost clustering on free loopback ports, in-memory stores, warnings-only
/// logging on stderr, and the silo's own grain factory as the client.
/// </summary>
internal sealed class EmbeddedSilo : ISummaryBackend
{
    private readonly IHost _host;
    private readonly SummarizerClient _client;

    private EmbeddedSilo(IHost host)
    {
        _host = host;
        _client = new SummarizerClient(host.Services.GetRequiredService<IGrainFactory>());
    }

    /// <summary>Starts the silo and loads the model, so a bad checkpoint is reported before anything is submitted.</summary>
    public static async Task<EmbeddedSilo> StartAsync(string modelDirectory, int? shardLength, int? shardOverlap, CancellationToken cancellationToken)
    {
        // No defaults: an appsettings.json in the user's current directory must not configure the CLI's silo.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.ClearProviders()
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            // The CLI reports a checkpoint that fails to load, and a failed job (from its Error event), itself in
            // one line; the grains' own logs of these carry stack traces meant for operators.
            .AddFilter(typeof(ModelHost).FullName, LogLevel.None)
            .AddFilter(typeof(SummaryGrain).FullName, LogLevel.None)
            // Start-up notes meant for server operators (server GC advice, a watchdog measuring from process start)
            // are noise for a short-lived CLI process.
            .AddFilter("Orleans.Runtime.Silo", LogLevel.Error)
            .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.UseOrleans(silo => silo.AddSummarizer(builder.Configuration, o =>
        {
            o.ModelDirectory = modelDirectory;
            o.ShardLength = shardLength ?? o.ShardLength;
            o.ShardOverlap = shardOverlap ?? o.ShardOverlap;
            o.Clustering = ClusteringKind.Localhost;
            o.KvStore = StoreKind.Memory;
            o.GrainStorage = StoreKind.Memory;
            o.PrimarySiloPort = null;
            o.SiloPort = LoopbackPorts.Free();
            o.GatewayPort = LoopbackPorts.Free();
        }));

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            try
            {
                await host.Services.GetRequiredService<ModelHost>().GetAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new CliException($"Cannot load the model in {modelDirectory}: {e.Message}", e);
            }
            return new EmbeddedSilo(host);
        }
        catch
        {
            await StopAsync(host);
            throw;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SummaryEvent> SummarizeAsync(string text, SummaryRequestOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var jobId = await _client.SubmitAsync(text, options, cancellationToken: cancellationToken);
        await foreach (var e in _client.StreamAsync(jobId, 0, cancellationToken)) yield return e;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => new(StopAsync(_host));

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await host.StopAsync(timeout.Token); }
        finally { host.Dispose(); }
    }
}
