using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests.Page;

/// <summary>The page's attribution view, in a real browser, against the API's attribution of the same job.</summary>
[Collection(PageCollection.Name)]
public sealed class AttributionPageTests(PageFixture fixture)
{
    private SiloApp App => fixture.App;

    [Fact]
    public async Task ClickingASentenceHighlightsExactlyTheApisSpansAndScrollsToTheStrongest()
    {
        var page = await fixture.Browser.OpenAsync(App.BaseAddress);
        await page.GotoAsync("/");
        // Long enough that the source view scrolls; non-ASCII (a decomposed accent, emoji) so offsets count UTF-16 units.
        var text = "Re\u0301sume\u0301 🙂 naïve café.\n" + TinyCheckpoint.Document(3000, 6000).Document.Replace(". ", ". 😀 ");

        await PageDriver.SubmitAsync(page, text, maxNewTokens: 60, attribution: true);
        Assert.Equal("completed", await PageDriver.WaitForEndAsync(page));

        var job = await PageDriver.ApiJobAsync(App.Http, await PageDriver.JobIdAsync(page));
        var sentences = job.GetProperty("attribution").EnumerateArray().ToArray();
        Assert.NotEmpty(sentences);
        Assert.Equal(sentences.Length, await page.Locator("#summary .sentence").CountAsync());
        // The sentence whose spans lie furthest into the document: the view has to scroll to show them.
        int index = Enumerable.Range(0, sentences.Length).MaxBy(i => Spans(sentences[i]).Select(s => s.Start).DefaultIfEmpty(-1).Max());
        var expected = Spans(sentences[index]);
        Assert.NotEmpty(expected);

        await page.ClickAsync($"#summary .sentence[data-index='{index}']");
        await page.WaitForFunctionAsync("() => document.querySelector('#source mark.strongest') !== null");

        var marks = await page.EvalOnSelectorAllAsync<double[][]>("#source mark", "ms => ms.map(m => [Number(m.dataset.start), Number(m.dataset.end), Number(m.dataset.weight)])");
        Assert.Equal(expected.Select(s => (s.Start, s.End)).Order(), marks.Select(m => ((int)m[0], (int)m[1])).Distinct().Order());
        // Each mark shows the characters its offsets name in the text as sent.
        var shown = await page.EvalOnSelectorAllAsync<string[]>("#source mark", "ms => ms.map(m => m.dataset.start + ':' + m.dataset.end + ':' + m.textContent)");
        foreach (var group in shown.Select(s => s.Split(':', 3)).GroupBy(p => (int.Parse(p[0]), int.Parse(p[1]))))
            Assert.Equal(text[group.Key.Item1..group.Key.Item2], string.Concat(group.Select(p => p[2])));
        var strongest = expected.MaxBy(s => s.Weight);
        Assert.Equal($"{strongest.Start}:{strongest.End}", await page.EvalOnSelectorAsync<string>("#source mark.strongest", "m => m.dataset.start + ':' + m.dataset.end"));
        // Scrolled to it: the strongest mark lies within the source view's visible area, wherever it is in the document.
        var inView = await page.EvalOnSelectorAsync<bool>("#source mark.strongest", """
            m => { const v = document.getElementById('source').getBoundingClientRect(), r = m.getBoundingClientRect();
                   return r.top >= v.top - 1 && r.bottom <= v.bottom + 1; }
            """);
        Assert.True(inView, "the strongest span is not scrolled into the source view");

        // The README's screenshot: a finished job with a sentence's sources highlighted.
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "page-attribution.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    private static (int Start, int End, double Weight)[] Spans(JsonElement sentence) =>
        sentence.GetProperty("spans").EnumerateArray()
            .Select(s => (s.GetProperty("start").GetInt32(), s.GetProperty("end").GetInt32(), s.GetProperty("weight").GetDouble())).ToArray();
}
