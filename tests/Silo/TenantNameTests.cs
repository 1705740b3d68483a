using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Summarizer.Client;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Tenant names are parts of grain and storage keys, so they are validated where they enter: the API key
/// configuration when the silo starts, and the client library's submissions.
/// </summary>
[Collection(OwnAppCollection.Name)]
public sealed class TenantNameTests
{
    [Theory]
    [InlineData("Keys:0:Tenant", "team/a")]
    [InlineData("Keys:0:Tenant", "team:a")]
    [InlineData("Keys:0:Tenant", "team a")]
    [InlineData("Keys:0:Tenant", "")]
    [InlineData("Keys:0:Tenant", "-leading-dash")]
    [InlineData("Keys:0:Tenant", "équipe")]
    [InlineData("AnonymousTenant", "anonymous/users")]
    [InlineData("AdminTenants:0", "ops/admins")]
    public async Task ASiloConfiguredWithATenantNameThatWouldBreakKeysRefusesToStartNamingTheSetting(string setting, string tenant)
    {
        var settings = new List<string>
        {
            "--Summarizer:Api:Keys:0:Tenant=valid-tenant",
            "--Summarizer:Api:Keys:0:Sha256=" + new string('a', 64),
            $"--Summarizer:Api:{setting}={tenant}",
        };

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10, [.. settings]));

        Assert.Contains($"Summarizer:Api:{setting} '{tenant}' is not a valid tenant name", e.Message);
        Assert.Contains("letters, digits", e.Message);
    }

    [Fact]
    public async Task AKeyHashThatCouldNeverMatchRefusesTheStartNamingTheSetting()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
            "--Summarizer:Api:Keys:0:Tenant=tenant-a", "--Summarizer:Api:Keys:0:Sha256=not-a-hash"));

        Assert.Contains("Summarizer:Api:Keys:0:Sha256", e.Message);
    }

    [Theory]
    [InlineData("team/a")]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("tenant\n")]
    public async Task TheClientLibraryRefusesATenantNameThatWouldBreakKeysBeforeRecordingAnything(string tenant)
    {
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory);
        var client = app.Services.GetRequiredService<SummarizerClient>();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitAsync("A document.", tenant: tenant));

        Assert.Equal("tenant", e.ParamName);
        Assert.Contains("letters, digits", e.Message);
    }
}
