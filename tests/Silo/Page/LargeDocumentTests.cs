using System.Text;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests.Page;

/// <summary>A document of about 500,000 tokens in the page: shown without laying out the whole text.</summary>
[Collection(PageCollection.Name)]
public sealed class LargeDocumentTests(PageFixture fixture)
{
    [Fact]
    public async Task AFileOfHalfAMillionTokensIsShownLazilyAndEveryPartCanBeScrolledTo()
    {
        // About 2 MB of real documents: ~500,000 tokens for a BART-family tokenizer (about four characters a token).
        var text = new StringBuilder();
        foreach (var document in LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")))
        {
            text.Append(document.Document).Append("\r\n\r\n");
            if (text.Length > 2_000_000) break;
        }
        var path = Path.Combine(Path.GetTempPath(), $"summarizer-page-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, text.ToString(), new UTF8Encoding(false));
        try
        {
            var page = await fixture.Browser.OpenAsync(fixture.App.BaseAddress);
            await page.GotoAsync("/");

            await page.SetInputFilesAsync("#file", path);
            await page.WaitForFunctionAsync("() => !document.getElementById('source-panel').hidden && document.querySelectorAll('#source .block').length > 0");

            int blocks = await page.EvalOnSelectorAllAsync<int>("#source .block", "b => b.length");
            int filled = await page.EvalOnSelectorAllAsync<int>("#source .block", "b => b.filter(x => x.textContent.length > 0).length");
            Assert.True(blocks > 400, $"{blocks} blocks");
            Assert.True(filled < 20, $"{filled} of {blocks} blocks were rendered before anything scrolled");
            // The blocks cover the file exactly, CRLF line ends included (the file is submitted as read, not re-typed).
            Assert.Equal(text.Length, await page.EvalOnSelectorAsync<int>("#source", "e => Number(e.lastElementChild.dataset.end)"));

            await page.EvalOnSelectorAsync("#source", "e => { e.scrollTop = e.scrollHeight; }");
            await page.WaitForFunctionAsync("() => document.querySelector('#source').lastElementChild.textContent.length > 0");
            var tail = await page.EvalOnSelectorAsync<string>("#source", "e => e.lastElementChild.textContent");
            Assert.EndsWith(tail, text.ToString(), StringComparison.Ordinal);
            await page.Context.CloseAsync();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
