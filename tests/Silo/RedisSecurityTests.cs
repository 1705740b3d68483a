using System.Net;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Redis credentials (an ACL user and password from <c>Summarizer:Redis:*</c>, never in the connection string) and TLS
/// for all three uses (clustering, grain state, K/V), against real <c>redis-server</c>s that require them; and the
/// password never appears in a log line, an HTTP body or a job's failure reason.
/// </summary>
[Collection(OwnAppCollection.Name)]
public sealed class RedisSecurityTests
{
    private const string User = "summarizer";
    private static readonly string Password = "pw-" + Guid.NewGuid().ToString("N");
    private static readonly string WrongPassword = "wrong-" + Guid.NewGuid().ToString("N");

    /// <summary>The silo settings for Redis uses, credentials and TLS; the connection string holds only the endpoint.</summary>
    private static string[] RedisSettings(RedisServer redis, string clustering, string grainStorage, string kvStore, string? password,
        TestCertificates? tls = null, bool trustCa = true) =>
    [
        "--Summarizer:Api:AllowAnonymous=true",
        $"--Summarizer:Clustering={clustering}", $"--Summarizer:GrainStorage={grainStorage}", $"--Summarizer:KvStore={kvStore}",
        $"--Summarizer:RedisConnectionString={redis.ConnectionString}",
        $"--Summarizer:Redis:User={User}",
        .. password is null ? Array.Empty<string>() : [$"--Summarizer:Redis:Password={password}"],
        .. tls is null ? Array.Empty<string>() :
        [
            "--Summarizer:Redis:Tls=true",
            $"--Summarizer:Redis:TlsClientCertFile={tls.ClientCertFile}", $"--Summarizer:Redis:TlsClientKeyFile={tls.ClientKeyFile}",
            .. trustCa ? [$"--Summarizer:Redis:TlsCaFile={tls.CaFile}"] : Array.Empty<string>(),
        ],
    ];

    /// <summary>A connection of the test's own (not the silo's code) to look at what the silo stored.</summary>
    private static async Task<ConnectionMultiplexer> InspectAsync(RedisServer redis, TestCertificates? tls = null)
    {
        var options = ConfigurationOptions.Parse(redis.ConnectionString);
        options.User = User;
        options.Password = Password;
        if (tls is not null)
        {
            options.Ssl = true;
            options.TrustIssuer(tls.CaFile);
            var client = X509ClientCertificate(tls);
            options.CertificateSelection += (_, _, _, _, _) => client;
        }
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 X509ClientCertificate(TestCertificates tls)
    {
        using var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(tls.ClientCertFile, tls.ClientKeyFile);
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            pem.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
    }

    /// <summary>Runs a job to the end over HTTP; every body read along the way is checked for the password.</summary>
    private static async Task AssertAJobCompletesAsync(SiloApp app)
    {
        await Submissions.WaitReadyAsync(app.Http);
        var id = await Submissions.AcceptedAsync(await Submissions.PostAsync(app.Http, TinyCheckpoint.Document(600, 900, "pep").Document));
        var events = await EventStream.ReadAsync(app.Http, id);
        Assert.Equal("done", events[^1].Event);
        Assert.DoesNotContain(events, e => e.Data.Contains(Password));
        Assert.DoesNotContain(Password, await app.Http.GetStringAsync($"/v1/summaries/{id}"));
    }

    /// <summary>Membership, grain state and K/V of the default service id are all in this Redis.</summary>
    private static async Task AssertAllThreeUsesStoredAsync(ConnectionMultiplexer store)
    {
        var server = store.GetServers().Single();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: "*")) keys.Add(key.ToString());
        Assert.Contains(keys, k => k.StartsWith("summarizer/members/", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("summarizer/state/", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("summarizer:kv:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAclUserAndPasswordFromSettingsServeClusteringGrainStateAndKvAndThePasswordIsInNoLog()
    {
        await using var redis = await RedisServer.StartAsync(security: new(Password, User));
        // The server really refuses a client without the credentials.
        await using (var anonymous = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
            Assert.Matches("(?i)NOAUTH|auth", Assert.ThrowsAny<Exception>(() => anonymous.GetDatabase().Ping()).Message);

        var logs = new LogCapture();
        await using (var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs, 256 << 10, RedisSettings(redis, "redis", "redis", "redis", Password)))
        {
            await AssertAJobCompletesAsync(app);
            await using var store = await InspectAsync(redis);
            await AssertAllThreeUsesStoredAsync(store);
        }

        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(Password, logs.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithoutTheRightPasswordTheSiloFailsToStartNamingAuthenticationAndNeverShowsThePasswordItWasGiven(bool wrongPassword)
    {
        await using var redis = await RedisServer.StartAsync(security: new(Password, User));
        var logs = new LogCapture();

        // Longer command timeouts: the start fails when a command has waited its timeout for a connection, and names the
        // refusal only if a connection attempt has met it by then; on a crowded machine the 5 s default ran out first
        // (CI: "no connection became available", nothing more).
        var error = await Assert.ThrowsAnyAsync<Exception>(() => SiloApp.StartAsync(TinyCheckpoint.Directory, logs, 256 << 10,
            [.. RedisSettings(redis, "redis", "memory", "memory", wrongPassword ? WrongPassword : null),
                $"--Summarizer:RedisConnectionString={redis.ConnectionString},syncTimeout=15000,asyncTimeout=15000"]));

        var text = error.ToString();
        Assert.True(new Regex("NOAUTH|WRONGPASS|AuthenticationFailure|authentication", RegexOptions.IgnoreCase).IsMatch(text), text);
        foreach (var secret in new[] { WrongPassword, Password })
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(secret, logs.Text);
        }
    }

    [Fact]
    public async Task AWrongRedisPasswordGives503ForGrainStateAndAFailedJobForKvWithoutThePasswordInBodiesReasonsOrLogs()
    {
        await using var redis = await RedisServer.StartAsync(security: new(Password, User));
        var logs = new LogCapture();

        // Grain state unreachable: the job cannot be recorded, so the submission gets 503 and nothing is accepted.
        await using (var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs, 256 << 10, RedisSettings(redis, "localhost", "redis", "memory", WrongPassword)))
        {
            await Submissions.WaitReadyAsync(app.Http);
            using var response = await Submissions.PostAsync(app.Http, TinyCheckpoint.Document(600, 900, "pep").Document);
            var body = await response.Content.ReadAsStringAsync();
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Matches(new Regex("NOAUTH|WRONGPASS|Authentication", RegexOptions.IgnoreCase), problem.GetProperty("detail").GetString());
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.DoesNotContain(WrongPassword, body);
            // Nor grain ids, storage keys or exception types: those are in the log, under the trace id the problem carries.
            LeakAssert.NothingInternal(body, "503 of an unrecordable job");
            Assert.True(problem.TryGetProperty("traceId", out _), body);
        }

        // K/V unreachable: the job is accepted (state in memory) and fails with a reason that does not show it either.
        await using (var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs, 256 << 10,
            [.. RedisSettings(redis, "localhost", "memory", "redis", WrongPassword), $"--Summarizer:RedisConnectionString={redis.ConnectionString},connectTimeout=500,asyncTimeout=1500,syncTimeout=1500"]))
        {
            await Submissions.WaitReadyAsync(app.Http);
            var id = await Submissions.AcceptedAsync(await Submissions.PostAsync(app.Http, TinyCheckpoint.Document(600, 900, "pep").Document));
            var last = await Submissions.FinishAsync(app.Http, id);
            Assert.Equal("error", last.Event);
            var job = await Submissions.GetJobAsync(app.Http, id);
            Assert.Equal("failed", job.GetProperty("status").GetString());
            Assert.Matches(new Regex("NOAUTH|WRONGPASS|Authentication", RegexOptions.IgnoreCase), job.GetProperty("error").GetString());
            Assert.DoesNotContain(WrongPassword, last.Data);
            Assert.DoesNotContain(WrongPassword, job.GetRawText());
        }

        Assert.DoesNotContain(WrongPassword, logs.Text);
        Assert.DoesNotContain(Password, logs.Text);
    }

    [Fact]
    public async Task OverTlsWithACaFileAndAClientCertificateClusteringGrainStateAndKvWorkAndWithoutTheCaFileTheSiloRefusesTheServer()
    {
        var certificates = TestCertificates.Create(Path.Combine(Path.GetTempPath(), "summarizer-tests", "tls-" + Guid.NewGuid().ToString("N")[..12]));
        try
        {
            await using var redis = await RedisServer.StartAsync(security: new(Password, User, certificates, RequireClientCertificate: true));
            var logs = new LogCapture();
            await using (var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs, 256 << 10, RedisSettings(redis, "redis", "redis", "redis", Password, certificates)))
            {
                await AssertAJobCompletesAsync(app);
                await using var store = await InspectAsync(redis, certificates);
                await AssertAllThreeUsesStoredAsync(store);
            }
            Assert.DoesNotContain(Password, logs.Text);

            // The server's certificate is issued by a CA the system does not trust: without the CA file it is refused.
            var error = await Assert.ThrowsAnyAsync<Exception>(() => SiloApp.StartAsync(TinyCheckpoint.Directory, logs, 256 << 10,
                RedisSettings(redis, "redis", "memory", "memory", Password, certificates, trustCa: false)));
            Assert.DoesNotContain(Password, error.ToString());
        }
        finally
        {
            Directory.Delete(certificates.Directory, recursive: true);
        }
    }
}
