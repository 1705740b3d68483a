using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;

namespace Summarizer.Grains.Tests.Hosting;

/// <summary>The one Redis configuration built from the connection string and <c>Summarizer:Redis:*</c>.</summary>
public sealed class RedisConnectionTests
{
    private const string Secret = "pw-never-shown-7f3a";

    [Fact]
    public void UserPasswordAndTlsFromSettingsAreLaidOverTheConnectionStringsEndpointsAndSettings()
    {
        var redis = RedisConnection.Build(new SummarizerOptions
        {
            RedisConnectionString = "redis-a:6380,redis-b:6380,abortConnect=false,connectTimeout=1234",
            Redis = new RedisSecurityOptions { User = "summarizer", Password = Secret, Tls = true, TlsHost = "redis.internal" },
        });

        Assert.Equal(["redis-a:6380", "redis-b:6380"], redis.EndPoints.Select(e => e.ToString()!.Replace("Unspecified/", "")));
        Assert.False(redis.AbortOnConnectFail);
        Assert.Equal(1234, redis.ConnectTimeout);
        Assert.Equal("summarizer", redis.User);
        Assert.Equal(Secret, redis.Password);
        Assert.True(redis.Ssl);
        Assert.Equal("redis.internal", redis.SslHost);
        // Each use gets its own copy, credentials included.
        Assert.Equal(Secret, redis.Clone().Password);
    }

    [Fact]
    public void SettingsLeftUnsetKeepWhatTheConnectionStringSays()
    {
        var redis = RedisConnection.Build(new SummarizerOptions { RedisConnectionString = "127.0.0.1:6379,user=u,password=p,ssl=true" });

        Assert.Equal(("u", "p", true), (redis.User, redis.Password, redis.Ssl));
    }

    [Fact]
    public void AConnectionStringThatCannotBeParsedIsRefusedNamingTheSettingWithoutItsPassword()
    {
        var e = Assert.Throws<OptionsValidationException>(() => RedisConnection.Build(new SummarizerOptions
        {
            RedisConnectionString = $"127.0.0.1:6379,password={Secret},bogus=1",
        }));

        Assert.Contains("Summarizer:RedisConnectionString", e.Message);
        Assert.Contains("bogus", e.Message);
        Assert.DoesNotContain(Secret, e.ToString());
    }

    [Fact]
    public void AnUnreadableCaFileIsRefusedNamingTheSettingAndTheFileButNotThePassword()
    {
        var file = Path.Combine(Path.GetTempPath(), "no-such-ca-" + Guid.NewGuid().ToString("N") + ".crt");
        var e = Assert.Throws<OptionsValidationException>(() => RedisConnection.Build(new SummarizerOptions
        {
            RedisConnectionString = "127.0.0.1:6379",
            Redis = new RedisSecurityOptions { Password = Secret, Tls = true, TlsCaFile = file },
        }));

        Assert.Contains("Summarizer:Redis:TlsCaFile", e.Message);
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain(Secret, e.ToString());
    }

    [Theory]
    [InlineData("/tmp/client.crt", null, "must be set together")]
    [InlineData(null, "/tmp/client.key", "must be set together")]
    public void AClientCertificateNeedsItsKey(string? cert, string? key, string message)
    {
        var e = Assert.Throws<OptionsValidationException>(() => RedisConnection.Build(new SummarizerOptions
        {
            RedisConnectionString = "127.0.0.1:6379",
            Redis = new RedisSecurityOptions { Tls = true, TlsClientCertFile = cert, TlsClientKeyFile = key },
        }));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ACertificateFileWithoutTlsIsRefused()
    {
        var e = Assert.Throws<OptionsValidationException>(() => RedisConnection.Build(new SummarizerOptions
        {
            RedisConnectionString = "127.0.0.1:6379",
            Redis = new RedisSecurityOptions { TlsCaFile = "/etc/ssl/certs/ca-certificates.crt" },
        }));
        Assert.Contains("Summarizer:Redis:Tls", e.Message);
    }
}
