using Microsoft.Playwright;

namespace Summarizer.Silo.Tests.Page;

/// <summary>
/// Headless Debian Chromium driven by Playwright (its own browser download is not used: <c>.ci/run</c> installs the
/// <c>chromium</c> package). One browser per test class; each test gets a fresh context, so session storage starts empty.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts the browser.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>The running browser.</summary>
    public IBrowser Chromium { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The network is closed here: no background or component traffic, no sandbox (CI runs as root).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A new page in a fresh context, <paramref name="width"/> CSS pixels wide.</summary>
    public async Task<IPage> OpenAsync(Uri baseAddress, int width = 1280, int height = 900)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(120_000);
        return page;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Chromium is not null) await Chromium.DisposeAsync();
        _playwright?.Dispose();
    }
}
