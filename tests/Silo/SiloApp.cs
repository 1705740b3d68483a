using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.Grains.Inference;
using Summarizer.Model.Scheduling;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// The real silo app (Orleans silo + HTTP API) started in the test process through <see cref="SummarizerApp.Build(string[], Action{WebApplicationBuilder}?)"/>,
/// listening on 127.0.0.1 with free HTTP, silo and gateway ports.
/// </summary>
public sealed class SiloApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SiloApp(WebApplication app, Uri baseAddress, long maxRequestBytes, InvokedCalls calls)
    {
        _app = app;
        Calls = calls;
        BaseAddress = baseAddress;
        MaxRequestBytes = maxRequestBytes;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(3) };
    }

    /// <summary>Where the HTTP API listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The configured request body limit.</summary>
    public long MaxRequestBytes { get; }

    /// <summary>Signals when the silo has invoked a grain method a test names (a call it cannot await yet).</summary>
    public InvokedCalls Calls { get; }

    /// <summary>A client for the API.</summary>
    public HttpClient Http { get; }

    /// <summary>The app's services (the silo's too: they share one container).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Holds the silo's inference scheduler at the end of the first iteration <paramref name="when"/> accepts, until the
    /// hold is released; disposing it releases and unsubscribes.
    /// </summary>
    public IterationHold HoldScheduler(Func<IterationReport, bool> when)
    {
        var scheduler = Services.GetRequiredService<InferenceScheduler>();
        IterationHold hold = null!;
        hold = new IterationHold(when) { Detach = () => scheduler.Iterated -= hold.OnIterated };
        scheduler.Iterated += hold.OnIterated;
        return hold;
    }

    /// <summary>A client for the API that sends <paramref name="apiKey"/> as its bearer token.</summary>
    public HttpClient ClientWithKey(string apiKey)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    /// <summary>Starts a silo over <paramref name="modelDirectory"/> with 128-token shards.</summary>
    public static Task<SiloApp> StartAsync(string modelDirectory, long maxRequestBytes = 256 << 10, params string[] extraArgs) =>
        StartAsync(modelDirectory, logs: null, maxRequestBytes, extraArgs.Length > 0 ? extraArgs : ["--Summarizer:Api:AllowAnonymous=true"]);

    /// <summary>
    /// Starts a silo over <paramref name="modelDirectory"/> with 128-token shards, <paramref name="settings"/> applied
    /// last (they win over the defaults here; anonymous access is off unless they turn it on), and every log line
    /// copied to <paramref name="logs"/> when given.
    /// </summary>
    public static Task<SiloApp> StartAsync(string modelDirectory, LogCapture? logs, long maxRequestBytes, params string[] settings) =>
        StartAsync(modelDirectory, builder => logs?.AddTo(builder.Logging), maxRequestBytes, settings);

    /// <summary>
    /// As <see cref="StartAsync(string, LogCapture?, long, string[])"/>, with <paramref name="configure"/> run on the
    /// builder (telemetry tests add in-memory exporters this way).
    /// </summary>
    public static async Task<SiloApp> StartAsync(string modelDirectory, Action<WebApplicationBuilder>? configure, long maxRequestBytes, params string[] settings)
    {
        int httpPort = RedisServer.FreePort();
        var calls = new InvokedCalls();
        var app = SummarizerApp.Build(
        [
            $"--urls=http://127.0.0.1:{httpPort}",
            $"--Summarizer:ModelDirectory={modelDirectory}",
            "--Summarizer:ShardLength=128",
            $"--Summarizer:SiloPort={RedisServer.FreePort()}",
            $"--Summarizer:GatewayPort={RedisServer.FreePort()}",
            $"--Summarizer:MaxRequestBytes={maxRequestBytes}",
            // Each app is its own cluster, so two apps in one test process never try to join each other.
            $"--ORLEANS_CLUSTER_ID=http-tests-{Guid.NewGuid():N}",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ], builder =>
        {
            builder.Services.AddSingleton<IIncomingGrainCallFilter>(calls);
            configure?.Invoke(builder);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new SiloApp(app, new Uri($"http://127.0.0.1:{httpPort}"), maxRequestBytes, calls);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
