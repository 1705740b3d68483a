using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// A silo for the bad-input campaign: anonymous access on, a request budget the campaign cannot exhaust, at most 64
/// shards a document, and one job already completed before any bad input arrives (for <c>Last-Event-ID</c> cases
/// and to prove nothing stored is lost).
/// </summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    /// <summary>The shard bound of this silo.</summary>
    public const int MaxShards = 64;

    /// <summary>The running app.</summary>
    public SiloApp App { get; private set; } = null!;

    /// <summary>A job that completed before the campaign.</summary>
    public string JobId { get; private set; } = "";

    /// <summary>That job's summary.</summary>
    public string JobText { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        App = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
            "--Summarizer:Api:AllowAnonymous=true", "--Summarizer:Api:RequestsPerMinute=1000000", $"--Summarizer:MaxShardsPerDocument={MaxShards}");
        await Submissions.WaitReadyAsync(App.Http);
        JobId = await Submissions.AcceptedAsync(await Submissions.PostAsync(App.Http, TinyCheckpoint.Document(800, 1500, "pep").Document, maxNewTokens: 6));
        var last = await Submissions.FinishAsync(App.Http, JobId);
        Assert.Equal("done", last.Event);
        JobText = last.Text;
    }

    /// <inheritdoc />
    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>The stored job, read back.</summary>
    public async Task<JsonElement> StoredJobAsync() => await Submissions.GetJobAsync(App.Http, JobId);
}

/// <summary>Test classes sharing one <see cref="BadInputFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<BadInputFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "bad-input";
}
