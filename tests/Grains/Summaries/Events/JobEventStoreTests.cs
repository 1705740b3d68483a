using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Summarizer.Contracts;
using Summarizer.Grains.Summaries.Events;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries.Events;

/// <summary>The append rules every job event store keeps, on a real redis-server and on the cluster's memory.</summary>
public sealed class JobEventStoreTests
{
    private static SummaryEvent Delta(long sequence, string text, params int[] ids) =>
        new() { Sequence = sequence, Kind = SummaryEventKind.Delta, Text = text, TokenIds = ids };

    private static async Task AppendRulesHoldAsync(IJobEventStore store)
    {
        var job = "job-" + Guid.NewGuid().ToString("N");
        var first = new SummaryEvent { Sequence = 1, Kind = SummaryEventKind.Progress, ShardsDone = 1, ShardsTotal = 2 };
        await store.AppendAsync(job, [first]);
        await store.AppendAsync(job, [Delta(2, " The", 7), Delta(3, " end", 8, 9)]);

        // A repeat of events already stored (a retried append whose reply was lost) succeeds and adds nothing.
        await store.AppendAsync(job, [Delta(2, " The", 7), Delta(3, " end", 8, 9)]);
        // A number already given to another event, or a gap, is refused.
        await Assert.ThrowsAsync<EventLogConflictException>(() => store.AppendAsync(job, [Delta(3, " other", 10)]));
        await Assert.ThrowsAsync<EventLogConflictException>(() => store.AppendAsync(job, [Delta(5, " gap", 11)]));

        var all = await store.ReadAsync(job, 0);
        Assert.Equal([1L, 2, 3], all.Select(e => e.Sequence));
        Assert.Equal(" The end", string.Concat(all.Skip(1).Select(e => e.Text)));
        Assert.Equal([8, 9], all[2].TokenIds);
        Assert.Equal([3L], (await store.ReadAsync(job, 2)).Select(e => e.Sequence));
        Assert.Empty(await store.ReadAsync(job, 3));
        Assert.Empty(await store.ReadAsync("no-such-job", 0));
    }

    [Fact]
    public async Task RedisKeepsEachJobsEventsInOrderRefusesReusedNumbersAndGapsAndAcceptsARepeatedAppend()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var serializer = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(SummaryEvent).Assembly)).BuildServiceProvider().GetRequiredService<Serializer>();
        var store = new RedisJobEventStore(connection, "svc", serializer);

        await AppendRulesHoldAsync(store);

        // One list per job, one element per event: an append writes the event, not the job.
        var key = (await connection.GetServer(connection.GetEndPoints()[0]).KeysAsync(pattern: "svc:events:*").ToListAsync()).Single();
        Assert.Equal(3, await connection.GetDatabase().ListLengthAsync(key));
    }

    [Fact]
    public async Task TheClustersMemoryKeepsTheSameRules()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1);

        await AppendRulesHoldAsync(new MemoryJobEventStore(cluster.Cluster.Client));
    }
}
