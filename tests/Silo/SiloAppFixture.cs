using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>One silo app on the tiny checkpoint, started once for every test in <see cref="SiloCollection"/>.</summary>
public sealed class SiloAppFixture : IAsyncLifetime
{
    /// <summary>The running app.</summary>
    public SiloApp App { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => App = await SiloApp.StartAsync(TinyCheckpoint.Directory);

    /// <inheritdoc />
    public async Task DisposeAsync() => await App.DisposeAsync();
}
