using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Summarizer.Silo.Tests.Page;

/// <summary>What a person does on the page, as Playwright steps, and what the API says about the same job.</summary>
public static class PageDriver
{
    /// <summary>Records every value the encoding progress bar takes (installed before the page's own scripts run).</summary>
    public const string RecordProgress = """
        window.__progress = [];
        document.addEventListener("DOMContentLoaded", () => {
          const bar = document.getElementById("progress");
          new MutationObserver(() => window.__progress.push([bar.value, bar.max])).observe(bar, { attributes: true });
        });
        """;

    /// <summary>Pastes <paramref name="text"/>, sets the options, and submits with the Summarize button.</summary>
    public static async Task SubmitAsync(IPage page, string text, int maxNewTokens = 40, int beams = 1, bool attribution = false)
    {
        // Filling a large text area keystroke by keystroke would take minutes; set it as a paste would.
        await page.EvalOnSelectorAsync("#document", "(area, text) => { area.value = text; area.dispatchEvent(new Event('input')); }", text);
        await page.FillAsync("#max-new-tokens", maxNewTokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#beams", beams.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.SetCheckedAsync("#attribution", attribution);
        await page.ClickAsync("#submit");
        await page.WaitForFunctionAsync("() => location.hash.startsWith('#job=')");
    }

    /// <summary>The job id the page is following.</summary>
    public static async Task<string> JobIdAsync(IPage page) =>
        Uri.UnescapeDataString((await page.EvaluateAsync<string>("() => location.hash")).Substring("#job=".Length));

    /// <summary>Waits until the page shows the job ended (completed, failed or cancelled) and returns that state.</summary>
    public static async Task<string> WaitForEndAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => ['completed','failed','cancelled'].includes(document.getElementById('job-status').dataset.state)");
        return await page.GetAttributeAsync("#job-status", "data-state") ?? "";
    }

    /// <summary>The summary text as the page shows it (exact characters, not layout-dependent inner text).</summary>
    public static Task<string> SummaryTextAsync(IPage page) => page.EvalOnSelectorAsync<string>("#summary", "e => e.textContent");

    /// <summary>The job as <c>GET /v1/summaries/{id}</c> returns it.</summary>
    public static async Task<JsonElement> ApiJobAsync(HttpClient http, string id) =>
        await http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
}
