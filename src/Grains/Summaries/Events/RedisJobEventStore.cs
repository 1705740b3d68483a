using Orleans.Serialization;
using StackExchange.Redis;
using Summarizer.Contracts;

namespace Summarizer.Grains.Summaries.Events;

/// <summary>
/// Job events in Redis: one list per job, <c>{serviceId}:events:{jobId}</c> (built only here), one element per event
/// serialized with Orleans' serializer (compact and versioned by <c>[Id]</c>). An append is one script run: it pushes the
/// events only if the list ends exactly before their first number; if they are already there byte for byte (a retried
/// append whose reply was lost) it succeeds without writing; otherwise it refuses. So one append costs the events' own
/// bytes, whatever the job's length, and no event number is ever reused. With Redis' append-only file on
/// (<c>appendfsync always</c>, as <c>scripts/cluster.sh</c> runs it), an acknowledged append survives a Redis restart.
/// </summary>
public sealed class RedisJobEventStore(IConnectionMultiplexer redis, string serviceId, Serializer serializer) : IJobEventStore
{
    // Returns 0 when appended, 1 when already stored, -1 on a conflict or a gap.
    private const string AppendScript = """
        local length = redis.call('LLEN', KEYS[1])
        local first = tonumber(ARGV[1])
        local count = #ARGV - 1
        if length == first - 1 then
          redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
          return 0
        end
        if length < first - 1 + count then return -1 end
        local stored = redis.call('LRANGE', KEYS[1], first - 1, first - 2 + count)
        for i = 1, count do
          if stored[i] ~= ARGV[i + 1] then return -1 end
        end
        return 1
        """;

    /// <summary>The Redis key of a job's events.</summary>
    public string KeyOf(string jobId) => $"{serviceId}:events:{jobId}";

    /// <inheritdoc />
    public async Task<IReadOnlyList<SummaryEvent>> ReadAsync(string jobId, long afterSequence)
    {
        var values = await redis.GetDatabase().ListRangeAsync(KeyOf(jobId), afterSequence, -1);
        return values.Select(v => serializer.Deserialize<SummaryEvent>((byte[])v!)!).ToArray();
    }

    /// <inheritdoc />
    public async Task AppendAsync(string jobId, IReadOnlyList<SummaryEvent> events)
    {
        if (events.Count == 0) return;
        var args = new RedisValue[events.Count + 1];
        args[0] = events[0].Sequence;
        for (int i = 0; i < events.Count; i++) args[i + 1] = serializer.SerializeToArray(events[i]);
        var result = (int)await redis.GetDatabase().ScriptEvaluateAsync(AppendScript, [KeyOf(jobId)], args);
        if (result < 0) throw new EventLogConflictException(jobId, events[0].Sequence);
    }
}
