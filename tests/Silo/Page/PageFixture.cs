using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests.Page;

/// <summary>A silo app (anonymous access on, documents up to 8 MiB) and a browser, shared by the page tests.</summary>
public sealed class PageFixture : IAsyncLifetime
{
    /// <summary>The running app.</summary>
    public SiloApp App { get; private set; } = null!;

    /// <summary>The browser.</summary>
    public Browser Browser { get; } = new();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        App = await SiloApp.StartAsync(TinyCheckpoint.Directory, maxRequestBytes: 8 << 20, "--Summarizer:Api:AllowAnonymous=true");
        await Browser.InitializeAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await App.DisposeAsync();
    }
}

/// <summary>The page tests: one app and one browser, run one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PageCollection : ICollectionFixture<PageFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "page";
}
