using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using Summarizer.Client;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Model.Scheduling;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests;

/// <summary>An in-process Orleans test cluster running the summarizer grains on the tiny checkpoint.</summary>
public sealed class SummarizerCluster : IAsyncDisposable
{
    private SummarizerCluster(InProcessTestCluster cluster, InvokedCalls calls)
    {
        Cluster = cluster;
        Client = new SummarizerClient(cluster.Client);
        Calls = calls;
    }

    /// <summary>The test cluster.</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>The client library over the cluster's client.</summary>
    public SummarizerClient Client { get; }

    /// <summary>Tells when a grain method has been invoked on any silo.</summary>
    public InvokedCalls Calls { get; }

    /// <summary>
    /// Starts <paramref name="silos"/> silos; <paramref name="configure"/> adjusts every silo's options,
    /// <paramref name="configureSilo"/> one silo's by its name (<c>Primary</c>, <c>Secondary_1</c>, ...);
    /// <paramref name="configuration"/> is the silos' configuration (e.g. <c>Orleans:Messaging</c> timeouts);
    /// <paramref name="modelDirectory"/> another checkpoint than the tiny BART one.
    /// </summary>
    public static async Task<SummarizerCluster> StartAsync(short silos = 2, Action<SummarizerOptions>? configure = null, string? serviceId = null,
        Action<string, SummarizerOptions>? configureSilo = null, IConfiguration? configuration = null, string? modelDirectory = null)
    {
        var modelDir = modelDirectory ?? TinyCheckpoint.Directory;
        var builder = new InProcessTestClusterBuilder(silos);
        // Clusters that share a service id share Redis keys (K/V and grain state), like a restarted deployment.
        if (serviceId is not null) builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((siloOptions, silo) =>
        {
            if (Environment.GetEnvironmentVariable("SUMMARIZER_TEST_LOG") is { Length: > 0 } log)
                silo.Services.AddLogging(b => b.AddProvider(new FileLog(log)));
        });
        var calls = new InvokedCalls();
        builder.ConfigureSilo((_, silo) => silo.AddIncomingGrainCallFilter(calls));
        builder.ConfigureSilo((siloOptions, silo) => silo.AddSummarizer(configuration ?? new ConfigurationBuilder().Build(), o =>
        {
            o.ModelDirectory = modelDir;
            o.ShardLength = 128;
            configure?.Invoke(o);
            configureSilo?.Invoke(siloOptions.SiloName, o);
        }, configureClustering: false));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new SummarizerCluster(cluster, calls);
    }

    /// <summary>
    /// Every event of the job's stream after <paramref name="afterSequence"/>, to its end; cancelled after
    /// <paramref name="limit"/> (3 minutes unless given).
    /// </summary>
    public async Task<List<Summarizer.Contracts.SummaryEvent>> EventsAsync(string jobId, long afterSequence = 0, TimeSpan? limit = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(3));
        var events = new List<Summarizer.Contracts.SummaryEvent>();
        await foreach (var e in Client.StreamAsync(jobId, afterSequence).WithCancellation(timeout.Token)) events.Add(e);
        return events;
    }

    /// <summary>Streams the job to its end and asserts it completed (showing the error if not); returns the done event.</summary>
    public async Task<Summarizer.Contracts.SummaryEvent> DoneAsync(string jobId)
    {
        var last = (await EventsAsync(jobId)).LastOrDefault();
        Assert.True(last?.Kind == Summarizer.Contracts.SummaryEventKind.Done, last?.Error ?? "the stream ended without a final event");
        return last!;
    }

    /// <summary>The service provider of every silo (for counters such as encoder runs).</summary>
    public IEnumerable<IServiceProvider> SiloServices => Cluster.Silos.Select(s => s.ServiceProvider);

    /// <summary>
    /// Holds the inference scheduler of whichever silo first ends an iteration <paramref name="when"/> accepts, until
    /// the hold is released: one hold subscribed to every silo's scheduler, so a test need not know where its job runs
    /// (<paramref name="when"/> runs on each silo's scheduler thread). Disposing it releases and unsubscribes from all.
    /// </summary>
    public IterationHold HoldSchedulers(Func<IterationReport, bool> when)
    {
        var schedulers = SiloServices.Select(s => s.GetRequiredService<InferenceScheduler>()).ToArray();
        IterationHold hold = null!;
        hold = new IterationHold(when)
        {
            Detach = () =>
            {
                foreach (var scheduler in schedulers) scheduler.Iterated -= hold.OnIterated;
            },
        };
        foreach (var scheduler in schedulers) scheduler.Iterated += hold.OnIterated;
        return hold;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
