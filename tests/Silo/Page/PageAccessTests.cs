using System.Security.Cryptography;
using System.Text;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests.Page;

/// <summary>The page against a silo that requires API keys.</summary>
[Collection(PageCollection.Name)]
public sealed class PageAccessTests(PageFixture fixture)
{
    [Fact]
    public async Task WithAnonymousAccessOffThePageAsksForAKeyKeepsItInSessionStorageOnlyAndThenWorks()
    {
        const string key = "page-test-key-5f1c";
        var sha = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, maxRequestBytes: 1 << 20,
            "--Summarizer:Api:AllowAnonymous=false", "--Summarizer:Api:Keys:0:Tenant=page", $"--Summarizer:Api:Keys:0:Sha256={sha}");
        var page = await fixture.Browser.OpenAsync(app.BaseAddress);
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        await page.GotoAsync("/");

        await page.EvalOnSelectorAsync("#document", "(area, text) => { area.value = text; }", TinyCheckpoint.Document(1000, 1500).Document);
        await page.ClickAsync("#submit");
        await page.WaitForSelectorAsync("#key-needed", new() { State = Microsoft.Playwright.WaitForSelectorState.Visible });
        Assert.Equal("api-key", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        await page.FillAsync("#api-key", key);
        await page.Keyboard.PressAsync("Enter");
        await PageDriver.SubmitAsync(page, TinyCheckpoint.Document(1000, 1500).Document, maxNewTokens: 20);
        Assert.Equal("completed", await PageDriver.WaitForEndAsync(page));

        Assert.Equal(key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('summarizer.apiKey')"));
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('summarizer.apiKey')"));
        Assert.DoesNotContain(requests, url => url.Contains(key, StringComparison.Ordinal));
        Assert.Equal("", await page.InputValueAsync("#api-key"));
        await page.Context.CloseAsync();
    }
}
