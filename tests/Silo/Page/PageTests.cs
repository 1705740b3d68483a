using System.Text.Json;
using Microsoft.Playwright;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests.Page;

/// <summary>The page at <c>/</c>, driven in a real browser against a real silo over real HTTP.</summary>
[Collection(PageCollection.Name)]
public sealed class PageTests(PageFixture fixture)
{
    private SiloApp App => fixture.App;

    [Fact]
    public async Task SubmittingARealDocumentMovesTheProgressBarAndStreamsExactlyTheApisFinalText()
    {
        var page = await fixture.Browser.OpenAsync(App.BaseAddress);
        await page.AddInitScriptAsync(PageDriver.RecordProgress);
        await page.GotoAsync("/");
        // A long meeting: at 128 tokens a shard it has over a hundred shards, encoded batch by batch.
        var text = TinyCheckpoint.Document(12_000, 20_000).Document;

        await PageDriver.SubmitAsync(page, text, maxNewTokens: 40);
        Assert.Equal("completed", await PageDriver.WaitForEndAsync(page));

        var id = await PageDriver.JobIdAsync(page);
        var job = await PageDriver.ApiJobAsync(App.Http, id);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(job.GetProperty("text").GetString(), await PageDriver.SummaryTextAsync(page));

        // The bar moved: it showed some shards done before all of them, and ended full.
        var seen = await page.EvaluateAsync<double[][]>("() => window.__progress");
        int shards = job.GetProperty("statistics").GetProperty("shardCount").GetInt32();
        Assert.Contains(seen, v => v[0] > 0 && v[0] < v[1]);
        Assert.Equal([shards, shards], seen[^1]);
        Assert.Equal(shards.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.TextContentAsync("#stat-shards"));
        Assert.Equal(job.GetProperty("statistics").GetProperty("encoderRuns").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
            await page.TextContentAsync("#stat-encoder-runs"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "page-finished.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheCancelButtonStopsARunningJobAndThePageAndApiBothSayCancelled()
    {
        // The scheduler is held a few decode steps into the job, so the job is still running when the button is
        // pressed however fast this machine decodes.
        int steps = 0;
        using var hold = App.HoldScheduler(r => r.Jobs > 0 && ++steps >= 4);
        var page = await fixture.Browser.OpenAsync(App.BaseAddress);
        await page.GotoAsync("/");
        await PageDriver.SubmitAsync(page, TinyCheckpoint.Document(3000, 6000).Document, maxNewTokens: 250);
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        await page.WaitForFunctionAsync("() => document.getElementById('summary').textContent.length > 0");

        // The grain takes the cancellation at once and answers once the job leaves the batch or its wait runs out;
        // the answer, awaited while the scheduler is held, proves the cancellation was taken before the job steps again.
        await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#cancel"), r => r.Request.Method == "DELETE", new() { Timeout = 60_000 });
        hold.Release();

        Assert.Equal("cancelled", await PageDriver.WaitForEndAsync(page));
        var job = await PageDriver.ApiJobAsync(App.Http, await PageDriver.JobIdAsync(page));
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.True(await page.IsHiddenAsync("#cancel"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReloadingMidStreamResumesTheSameJobAndShowsItsTextOnceWithoutDuplicates()
    {
        // Held a few decode steps in, so the reload happens mid-stream however fast this machine decodes.
        int steps = 0;
        using var hold = App.HoldScheduler(r => r.Jobs > 0 && ++steps >= 4);
        var page = await fixture.Browser.OpenAsync(App.BaseAddress);
        await page.GotoAsync("/");
        var text = TinyCheckpoint.Document(3000, 6000).Document;
        await PageDriver.SubmitAsync(page, text, maxNewTokens: 250);
        var id = await PageDriver.JobIdAsync(page);
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        await page.WaitForFunctionAsync("() => document.getElementById('summary').textContent.length > 0");

        await page.ReloadAsync();
        hold.Release();

        Assert.Equal("completed", await PageDriver.WaitForEndAsync(page));
        Assert.Equal(id, await PageDriver.JobIdAsync(page));
        var job = await PageDriver.ApiJobAsync(App.Http, id);
        Assert.Equal(job.GetProperty("text").GetString(), await PageDriver.SummaryTextAsync(page));
        // The source is shown again from this tab's session storage: the exact text submitted, cut into blocks.
        Assert.Equal(text.Length, await page.EvalOnSelectorAsync<int>("#source", "e => Number(e.lastElementChild.dataset.end)"));
        await page.WaitForFunctionAsync("() => document.querySelector('#source .block').textContent.length > 0");
        Assert.StartsWith(await page.EvalOnSelectorAsync<string>("#source .block", "b => b.textContent"), text, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ANetworkDropMidStreamIsRidOutByReconnectingWithLastEventIdWithoutDuplicatingText()
    {
        // The browser reaches the silo through a proxy whose connections the test resets mid-stream.
        await using var proxy = new DroppableProxy(App.BaseAddress);
        var page = await fixture.Browser.OpenAsync(proxy.Address);
        await page.GotoAsync("/");
        // Held a few decode steps in, so the drop happens mid-stream however fast this machine decodes.
        int steps = 0;
        using var hold = App.HoldScheduler(r => r.Jobs > 0 && ++steps >= 4);
        await PageDriver.SubmitAsync(page, TinyCheckpoint.Document(3000, 6000).Document, maxNewTokens: 250);
        var id = await PageDriver.JobIdAsync(page);
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        await page.WaitForFunctionAsync("() => document.getElementById('summary').textContent.length > 0");

        proxy.DropAll();
        hold.Release();

        Assert.Equal("completed", await PageDriver.WaitForEndAsync(page));
        Assert.True(proxy.Dropped > 0);
        var job = await PageDriver.ApiJobAsync(App.Http, id);
        Assert.Equal(job.GetProperty("text").GetString(), await PageDriver.SummaryTextAsync(page));
        // It did resume: the drop happened before the end, and the page asked again with Last-Event-ID.
        Assert.True(await page.EvaluateAsync<bool>("() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/events')).length >= 2"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ThePageFitsA360PixelWideScreenWithoutSidewaysScrolling()
    {
        var page = await fixture.Browser.OpenAsync(App.BaseAddress, width: 360, height: 740);
        await page.GotoAsync("/");
        await PageDriver.SubmitAsync(page, TinyCheckpoint.Document(1000, 1500).Document, maxNewTokens: 30);
        await PageDriver.WaitForEndAsync(page);

        int scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        var wide = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 360).map(e => e.tagName + '#' + e.id + '.' + e.className)");
        Assert.True(scrollWidth <= 360, $"the page is {scrollWidth} px wide at a 360 px viewport; past its edge: {string.Join(", ", wide)}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheWholeFlowWorksWithTheKeyboardAlone()
    {
        var page = await fixture.Browser.OpenAsync(App.BaseAddress);
        await page.GotoAsync("/");
        await page.EvalOnSelectorAsync("#document", "(area, text) => { area.value = text; }", TinyCheckpoint.Document(1000, 1500).Document);
        await page.FocusAsync("#document");

        // Tab through the form to the Summarize button and press Enter; nothing is clicked.
        for (int i = 0; i < 20 && await page.EvaluateAsync<string>("() => document.activeElement.id") != "submit"; i++)
            await page.Keyboard.PressAsync("Tab");
        Assert.Equal("submit", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Enter");

        Assert.Equal("completed", await PageDriver.WaitForEndAsync(page));
        await page.Context.CloseAsync();
    }
}
