using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using StackExchange.Redis;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Placement;
using Summarizer.Grains.KvStore;
using Summarizer.Grains.Summaries;
using Summarizer.Grains.Telemetry;

namespace Summarizer.Grains.Hosting;

/// <summary>Wires the summarizer's grains, inference worker, model and stores into a silo from configuration.</summary>
public static class SummarizerSiloExtensions
{
    /// <summary>
    /// Adds everything the grains need: <see cref="SummarizerOptions"/> bound from the <c>Summarizer</c> section,
    /// clustering (localhost or Redis), grain storage (memory or Redis), the K/V store (memory, or memory in front of
    /// Redis), the inference worker and the model host.
    /// </summary>
    /// <param name="silo">The silo.</param>
    /// <param name="configuration">Configuration holding the <c>Summarizer</c> section.</param>
    /// <param name="configure">Changes applied after binding (tests, the embedded CLI).</param>
    /// <param name="configureClustering">False when the host configures clustering itself (test clusters).</param>
    public static ISiloBuilder AddSummarizer(this ISiloBuilder silo, IConfiguration configuration, Action<SummarizerOptions>? configure = null, bool configureClustering = true)
    {
        var options = new SummarizerOptions();
        configuration.GetSection(SummarizerOptions.Section).Bind(options);
        configure?.Invoke(options);
        Validate(options);

        var services = silo.Services;
        // Failure-detection and messaging timeouts are deployment choices: Orleans:ClusterMembership and Orleans:Messaging.
        services.Configure<Orleans.Configuration.ClusterMembershipOptions>(configuration.GetSection("Orleans:ClusterMembership"));
        services.Configure<Orleans.Configuration.SiloMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
        services.AddSingleton(Options.Create(options));
        // The role travels as silo metadata, which every silo caches for the others; the encoder placement filter
        // reads it to keep document grains on silos that can encode (GPU silos in the gpu overlay).
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = options.Role });
        services.AddPlacementFilter<EncoderPlacementFilterStrategy, EncoderPlacementFilterDirector>(ServiceLifetime.Singleton);
        services.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();
        services.AddSingleton(sp => new InferenceWorker(options.InferenceThreads, sp.GetRequiredService<ILogger<InferenceWorker>>()));
        services.AddSingleton(sp => new ShardAttentionWorker(options.ShardAttentionThreads, sp.GetRequiredService<ILogger<InferenceWorker>>()));
        services.AddSingleton<ModelHost>();
        services.AddSingleton<SiloJobSlots>();
        services.AddMetrics();
        services.AddSingleton<SummarizerMetrics>();
        // Built when the silo starts, not on first use, so its gauges (jobs active, K/V memory) are scraped from the start.
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SummarizerMetrics>());
        services.AddSingleton(sp => new MemoryShardCache(options.MemoryBudgetBytes, sp.GetRequiredService<ILogger<MemoryShardCache>>()));
        services.AddSingleton(sp => new ShardRepository(
            sp.GetRequiredService<MemoryShardCache>(),
            options.KvStore == "redis"
                ? new RedisShardBlobStore(sp.GetRequiredService<IConnectionMultiplexer>(), ServiceId(sp), options.RedisBlockBytes, options.KvTimeToLive)
                : null,
            sp.GetRequiredService<InferenceWorker>(),
            sp.GetRequiredService<ModelHost>(),
            sp.GetRequiredService<ILogger<ShardRepository>>(),
            sp.GetRequiredService<SummarizerMetrics>()));

        bool usesRedis = options.KvStore == "redis" || options.Clustering == "redis" || options.GrainStorage == "redis";
        // One configuration (endpoints from the connection string, user, password and TLS from Summarizer:Redis) for
        // all three uses; each gets its own copy. Built now, so a bad TLS file fails the silo at start with its name.
        var redis = usesRedis ? RedisConnection.Build(options) : null;
        if (redis is not null)
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis.Clone()));

        if (options.GrainStorage == "redis")
        {
            silo.Services.AddRedisGrainStorage(StorageNames.Summarizer, (OptionsBuilder<Orleans.Persistence.RedisStorageOptions> builder) =>
                builder.Configure<IServiceProvider>((o, sp) =>
                {
                    o.ConfigurationOptions = redis!.Clone();
                    // Orleans' own serializer for the [GenerateSerializer] state types: compact, versioned by [Id],
                    // and no type names from the stored bytes are trusted (JSON with $type would be both brittle and riskier).
                    o.GrainStorageSerializer = new Orleans.Storage.OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>());
                }));
        }
        else
            silo.AddMemoryGrainStorage(StorageNames.Summarizer);

        if (!string.IsNullOrWhiteSpace(options.SiloName)) silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = options.SiloName);

        if (!configureClustering) return silo;
        if (options.Clustering == "redis")
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis!.Clone());
            var address = string.IsNullOrWhiteSpace(options.AdvertisedAddress) ? IPAddress.Loopback : IPAddress.Parse(options.AdvertisedAddress);
            silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort,
                options.PrimarySiloPort is { } primary ? new IPEndPoint(IPAddress.Loopback, primary) : null);
        }
        return silo;
    }

    private static string ServiceId(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<Orleans.Configuration.ClusterOptions>>().Value.ServiceId;

    private static void Validate(SummarizerOptions o)
    {
        static void Require(bool ok, string name, string message)
        {
            if (!ok) throw new OptionsValidationException(name, typeof(SummarizerOptions), [$"Summarizer:{name} {message}"]);
        }
        Require(o.KvStore is "memory" or "redis", nameof(o.KvStore), $"must be 'memory' or 'redis', not '{o.KvStore}'.");
        Require(o.DecodeMode is "auto" or "local" or "distributed", nameof(o.DecodeMode), $"must be 'auto', 'local' or 'distributed', not '{o.DecodeMode}'.");
        Require(o.GrainStorage is "memory" or "redis", nameof(o.GrainStorage), $"must be 'memory' or 'redis', not '{o.GrainStorage}'.");
        Require(o.Clustering is "localhost" or "redis", nameof(o.Clustering), $"must be 'localhost' or 'redis', not '{o.Clustering}'.");
        Require(o.ShardFormat is "kv" or "hidden", nameof(o.ShardFormat), $"must be 'kv' or 'hidden', not '{o.ShardFormat}'.");
        Require(o.Device == "cpu" || o.Device.StartsWith("cuda", StringComparison.Ordinal), nameof(o.Device), $"must be 'cpu', 'cuda' or 'cuda:N', not '{o.Device}'.");
        Require(SiloRoles.IsKnown(o.Role), nameof(o.Role), $"must be 'all', 'encoder' or 'decoder', not '{o.Role}'.");
        Require(o.ShutdownTimeoutSeconds >= 1, nameof(o.ShutdownTimeoutSeconds), "must be at least 1.");
        Require(o.InferenceThreads >= 1, nameof(o.InferenceThreads), "must be at least 1.");
        Require(o.ShardAttentionThreads >= 1, nameof(o.ShardAttentionThreads), "must be at least 1.");
        Require(o.MemoryBudgetBytes >= 1, nameof(o.MemoryBudgetBytes), "must be positive.");
        Require(o.MaxDocumentTokens >= 1, nameof(o.MaxDocumentTokens), "must be positive.");
        Require(o.MaxConcurrentJobsPerTenant >= 1, nameof(o.MaxConcurrentJobsPerTenant), "must be at least 1.");
        Require(o.MaxConcurrentJobsPerSilo >= 1, nameof(o.MaxConcurrentJobsPerSilo), "must be at least 1.");
        Require(o.JobLimitRetryAfterSeconds >= 1, nameof(o.JobLimitRetryAfterSeconds), "must be at least 1.");
        Require((o.KvStore != "redis" && o.Clustering != "redis" && o.GrainStorage != "redis") || !string.IsNullOrWhiteSpace(o.RedisConnectionString),
            nameof(o.RedisConnectionString), "is required when KvStore, GrainStorage or Clustering is 'redis'.");
        Require(o.Telemetry.MetricsPort is null or (> 0 and < 65536), "Telemetry:MetricsPort", "must be a TCP port (1-65535).");
        Require(o.KvDType.ToLowerInvariant() is "f32" or "f16" or "bf16", nameof(o.KvDType), $"must be f32, f16 or bf16, not '{o.KvDType}'.");
    }
}
