using System.Globalization;
using Summarizer.Grains.Hosting;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Documents;

/// <summary>
/// The encoder windows a document gets: the request's shard options, else the silo's settings, else the model's
/// default, validated against the model and bounded in number by <see cref="SummarizerOptions.MaxShardsPerDocument"/>.
/// The HTTP gateway applies it at submission (a bad request is refused before anything is recorded) and the document
/// grain applies it again for submissions that come another way.
/// </summary>
public static class ShardingPolicy
{
    /// <summary>The setting that bounds the shard count.</summary>
    public const string MaxShardsSetting = "Summarizer:MaxShardsPerDocument";

    /// <summary>
    /// The windows for <paramref name="model"/>; throws an <see cref="ArgumentException"/> whose parameter is
    /// <c>shardLength</c> or <c>shardOverlap</c> when they are out of the model's range. A default overlap is capped
    /// at what the window allows; only an overlap the request chose can be refused.
    /// </summary>
    public static ShardingOptions Resolve(int? shardLength, int? shardOverlap, SummarizerOptions settings, SummarizationModel model)
    {
        var modelDefault = model.DefaultSharding;
        int length = shardLength ?? settings.ShardLength ?? modelDefault.ShardLength;
        int overlap = shardOverlap ?? Math.Min(settings.ShardOverlap ?? modelDefault.Overlap, Math.Max(0, length - model.Template.Overhead) / 2);
        var sharding = new ShardingOptions(length, overlap);
        model.ValidateSharding(sharding);
        return sharding;
    }

    /// <summary>
    /// Why a document of <paramref name="contentTokens"/> tokens cut by <paramref name="sharding"/> (windows wrapped in
    /// the model's <paramref name="template"/>) is refused (more shards than <paramref name="maxShards"/>), or null.
    /// </summary>
    public static ShardCountRefusal? CheckCount(long contentTokens, ShardingOptions sharding, int maxShards, InputTemplate? template)
    {
        int shards = DocumentSharder.Count(contentTokens, sharding, template);
        return shards <= maxShards ? null : new ShardCountRefusal(shards, maxShards, sharding.ShardLength);
    }
}

/// <summary>A document that would be cut into more shards than the silo allows.</summary>
/// <param name="Shards">The shards it would take.</param>
/// <param name="Limit">The configured maximum.</param>
/// <param name="ShardLength">The window length that was used.</param>
public sealed record ShardCountRefusal(int Shards, int Limit, int ShardLength)
{
    /// <summary>The reason, naming the limit, its setting and the option that decides the count.</summary>
    public string Reason => string.Create(CultureInfo.InvariantCulture,
        $"The document would be cut into {Shards} shards of shardLength {ShardLength}; the limit is {Limit} shards ({ShardingPolicy.MaxShardsSetting}). Use a larger shardLength or a shorter document.");
}
