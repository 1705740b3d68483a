using StackExchange.Redis;

namespace Summarizer.Silo.Tests;

/// <summary>Every key of a Redis server with its serialized value (DUMP), to show that nothing stored changed.</summary>
public static class RedisSnapshot
{
    /// <summary>Takes the snapshot.</summary>
    public static async Task<SortedDictionary<string, string>> TakeAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers().Single();
        var db = redis.GetDatabase();
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: "*"))
            snapshot[key.ToString()] = Convert.ToBase64String(await db.KeyDumpAsync(key) ?? []);
        return snapshot;
    }

    /// <summary>A snapshot once two taken 200 ms apart agree (a write that was in flight has landed).</summary>
    public static async Task<SortedDictionary<string, string>> SettledAsync(IConnectionMultiplexer redis)
    {
        var last = await TakeAsync(redis);
        for (int i = 0; i < 100; i++)
        {
            await Task.Delay(200);
            var now = await TakeAsync(redis);
            if (now.SequenceEqual(last)) return now;
            last = now;
        }
        throw new InvalidOperationException("Redis kept changing.");
    }
}
