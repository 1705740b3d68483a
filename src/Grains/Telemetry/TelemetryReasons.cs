using Orleans.Runtime;
using StackExchange.Redis;
using Summarizer.Model.Checkpoints;

namespace Summarizer.Grains.Telemetry;

/// <summary>Why a job failed, as the <c>error.type</c> of <c>summarizer.jobs.failed</c>: a small, fixed set.</summary>
public enum JobFailureReason
{
    /// <summary>Anything not classified below (a bug or an unexpected fault).</summary>
    Internal,

    /// <summary>The model is not configured or its checkpoint cannot be loaded.</summary>
    Model,

    /// <summary>The document grain could not encode the document (including documents over the token limit).</summary>
    Encoding,

    /// <summary>Shards could be neither loaded nor re-encoded.</summary>
    Shards,

    /// <summary>Redis (grain state or K/V) refused or failed.</summary>
    Storage,

    /// <summary>A grain call timed out or its silo was lost.</summary>
    Cluster,
}

/// <summary>Where a shard that was not in this silo's memory came from.</summary>
public enum ShardSource
{
    /// <summary>The durable store (Redis).</summary>
    Redis,

    /// <summary>Another silo's memory (the document grain's silo, through <c>ExportShards</c>).</summary>
    Peer,
}

/// <summary>Why a request was refused before it did any work.</summary>
public enum RefusalReason
{
    /// <summary>The tenant's request rate limit (<c>Summarizer:Api:RequestsPerMinute</c>).</summary>
    RateLimit,

    /// <summary>The tenant's bound on running jobs (<c>MaxConcurrentJobsPerTenant</c>).</summary>
    TenantBound,

    /// <summary>This silo's bound on running jobs (<c>MaxConcurrentJobsPerSilo</c>).</summary>
    SiloBound,
}

/// <summary>The label values of the enums above, in OpenTelemetry's snake_case, and how failures are classified.</summary>
public static class TelemetryReasons
{
    /// <summary>The label value of <paramref name="reason"/>.</summary>
    public static string Label(this JobFailureReason reason) => reason switch
    {
        JobFailureReason.Model => "model",
        JobFailureReason.Encoding => "encoding",
        JobFailureReason.Shards => "shards",
        JobFailureReason.Storage => "storage",
        JobFailureReason.Cluster => "cluster",
        _ => "internal",
    };

    /// <summary>The label value of <paramref name="source"/>.</summary>
    public static string Label(this ShardSource source) => source == ShardSource.Redis ? "redis" : "peer";

    /// <summary>The label value of <paramref name="reason"/>.</summary>
    public static string Label(this RefusalReason reason) => reason switch
    {
        RefusalReason.RateLimit => "rate_limit",
        RefusalReason.TenantBound => "tenant_bound",
        _ => "silo_bound",
    };

    /// <summary>The reason of a failure the job did not classify itself, from the exception's type.</summary>
    public static JobFailureReason Classify(Exception e) => e switch
    {
        CheckpointException or Inference.ModelUnavailableException => JobFailureReason.Model,
        RedisException => JobFailureReason.Storage,
        TimeoutException or SiloUnavailableException or OrleansMessageRejectionException => JobFailureReason.Cluster,
        OrleansException when e.GetBaseException() is RedisException => JobFailureReason.Storage,
        _ => JobFailureReason.Internal,
    };
}
