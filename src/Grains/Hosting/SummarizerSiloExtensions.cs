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
using Summarizer.Grains.Summaries.Events;
using Summarizer.Grains.Telemetry;
using Summarizer.Model.Scheduling;

namespace Summarizer.Grains.Hosting;

/// <summary>Wires the summarizer's grains, inference scheduler, model and stores into a silo from configuration.</summary>
public static class SummarizerSiloExtensions
{
    /// <summary>
    /// Adds everything the grains need: <see cref="SummarizerOptions"/> bound from the <c>Summarizer</c> section,
    /// clustering (localhost or Redis), grain storage (memory or Redis), the K/V store (memory, or memory in front of
    /// Redis), the inference scheduler and the model host.
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
        MemoryReclaimer.ConfigureMalloc(options);
        Summarizer.Model.Pipeline.ComputeThreads.Use(options.TorchThreads);
        services.AddSingleton<MemoryReclaimer>();
        services.AddHostedService(sp => sp.GetRequiredService<MemoryReclaimer>());
        // Failure-detection and messaging timeouts are deployment choices: Orleans:ClusterMembership and Orleans:Messaging.
        services.Configure<Orleans.Configuration.ClusterMembershipOptions>(configuration.GetSection("Orleans:ClusterMembership"));
        services.Configure<Orleans.Configuration.SiloMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
        services.AddSingleton(Options.Create(options));
        // The role travels as silo metadata, which every silo caches for the others; the encoder placement filter
        // reads it to keep document grains on silos that can encode (GPU silos in the gpu overlay).
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = SiloRoles.ToMetadata(options.Role) });
        services.AddPlacementFilter<EncoderPlacementFilterStrategy, EncoderPlacementFilterDirector>(ServiceLifetime.Singleton);
        services.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();
        services.AddSingleton(sp => new InferenceScheduler(
            new SchedulerSettings { MaxBatchRows = options.MaxBatchRows, EncoderBudgetPerIteration = options.EncoderBudgetPerIteration },
            sp.GetRequiredService<ILogger<InferenceScheduler>>()));
        // The silo's one inference queue is its scheduler (work items between decoding iterations).
        services.AddSingleton<IInferenceQueue>(sp => sp.GetRequiredService<InferenceScheduler>());
        services.AddSingleton(sp => new ShardAttentionWorker(options.ShardAttentionThreads, sp.GetRequiredService<ILogger<InferenceWorker>>()));
        services.AddSingleton<Distributed.LocalShardDirectory>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<SiloJobSlots>();
        services.AddMetrics();
        services.AddSingleton<SummarizerMetrics>();
        // Built when the silo starts, not on first use, so its gauges (jobs active, K/V memory) are scraped from the start.
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SummarizerMetrics>());
        services.AddSingleton(sp => new MemoryShardCache(options.MemoryBudgetBytes, sp.GetRequiredService<ILogger<MemoryShardCache>>()));
        services.AddSingleton(sp => new ShardRepository(
            sp.GetRequiredService<MemoryShardCache>(),
            options.KvStore == StoreKind.Redis
                ? new RedisShardBlobStore(sp.GetRequiredService<IConnectionMultiplexer>(), ServiceId(sp), options.RedisBlockBytes, options.KvTimeToLive)
                : null,
            sp.GetRequiredService<InferenceScheduler>(),
            sp.GetRequiredService<ModelHost>(),
            options.OutageLimit,
            sp.GetRequiredService<ILogger<ShardRepository>>(),
            sp.GetRequiredService<SummarizerMetrics>()));
        services.AddSingleton<ShardAcquisition>();
        services.AddSingleton<DecodeModePolicy>();
        // Job events: an append-only list per job in Redis next to the job's state, or the cluster's memory.
        if (options.GrainStorage == StoreKind.Redis)
            services.AddSingleton<IJobEventStore>(sp => new RedisJobEventStore(sp.GetRequiredService<IConnectionMultiplexer>(), ServiceId(sp),
                sp.GetRequiredService<Orleans.Serialization.Serializer>()));
        else
            services.AddSingleton<IJobEventStore, MemoryJobEventStore>();

        bool usesRedis = options.KvStore == StoreKind.Redis || options.Clustering == ClusteringKind.Redis || options.GrainStorage == StoreKind.Redis;
        // One configuration (endpoints from the connection string, user, password and TLS from Summarizer:Redis) for
        // all three uses; each gets its own copy. Built now, so a bad TLS file fails the silo at start with its name.
        var redis = usesRedis ? RedisConnection.Build(options) : null;
        if (redis is not null)
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis.Clone()));

        if (options.GrainStorage == StoreKind.Redis)
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
        if (options.Clustering == ClusteringKind.Redis)
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
        Require(o.MaxShardsPerDocument >= 1, nameof(o.MaxShardsPerDocument), $"must be at least 1, not {o.MaxShardsPerDocument}.");
        Require(o.NativeTrimSeconds >= 0, nameof(o.NativeTrimSeconds), $"must be 0 (off) or more, not {o.NativeTrimSeconds}.");
        Require(o.MallocArenas >= 0, nameof(o.MallocArenas), $"must be 0 (glibc's default) or more, not {o.MallocArenas}.");
        Require(o.MallocMmapThresholdBytes == 0 || o.MallocMmapThresholdBytes is >= 4096 and <= 32 << 20, nameof(o.MallocMmapThresholdBytes),
            $"must be 0 (glibc's adaptive default) or 4096 to 33554432 bytes, not {o.MallocMmapThresholdBytes}.");
        // Configuration binds enums from their names in any case, and from numbers: only named values are modes.
        static void Named<T>(T value, string name) where T : struct, Enum =>
            Require(Enum.IsDefined(value), name, $"must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, not '{value}'.");
        Named(o.KvStore, nameof(o.KvStore));
        Named(o.DecodeMode, nameof(o.DecodeMode));
        Named(o.GrainStorage, nameof(o.GrainStorage));
        Named(o.Clustering, nameof(o.Clustering));
        Named(o.ShardFormat, nameof(o.ShardFormat));
        Named(o.KvDType, nameof(o.KvDType));
        Named(o.Role, nameof(o.Role));
        Require(o.Device == "cpu" || o.Device.StartsWith("cuda", StringComparison.Ordinal), nameof(o.Device), $"must be 'cpu', 'cuda' or 'cuda:N', not '{o.Device}'.");
        Require(o.ShutdownTimeoutSeconds >= 1, nameof(o.ShutdownTimeoutSeconds), "must be at least 1.");
        Require(o.ShardAttentionThreads >= 1, nameof(o.ShardAttentionThreads), "must be at least 1.");
        Require(o.TorchThreads >= 0, nameof(o.TorchThreads), "must be 0 (the processor count) or more.");
        Require(o.MaxBatchRows >= 1, nameof(o.MaxBatchRows), "must be at least 1.");
        Require(o.EncoderBudgetPerIteration >= TimeSpan.Zero, nameof(o.EncoderBudgetPerIteration), "must not be negative.");
        Require(o.MemoryBudgetBytes >= 1, nameof(o.MemoryBudgetBytes), "must be positive.");
        Require(o.MaxDocumentTokens >= 1, nameof(o.MaxDocumentTokens), "must be positive.");
        Require(o.MaxConcurrentJobsPerTenant >= 1, nameof(o.MaxConcurrentJobsPerTenant), "must be at least 1.");
        Require(o.MaxConcurrentJobsPerSilo >= 1, nameof(o.MaxConcurrentJobsPerSilo), "must be at least 1.");
        Require(o.JobLimitRetryAfterSeconds >= 1, nameof(o.JobLimitRetryAfterSeconds), "must be at least 1.");
        Require(o.OutageLimit > TimeSpan.Zero, nameof(o.OutageLimit), "must be positive.");
        Require((o.KvStore != StoreKind.Redis && o.Clustering != ClusteringKind.Redis && o.GrainStorage != StoreKind.Redis) || !string.IsNullOrWhiteSpace(o.RedisConnectionString),
            nameof(o.RedisConnectionString), "is required when KvStore, GrainStorage or Clustering is 'redis'.");
        Require(o.Telemetry.MetricsPort is null or (> 0 and < 65536), "Telemetry:MetricsPort", "must be a TCP port (1-65535).");
    }
}
