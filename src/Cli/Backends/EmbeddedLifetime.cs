using Microsoft.Extensions.Hosting;

namespace Summarizer.Cli.Backends;

/// <summary>
/// A host lifetime that does nothing. The default console lifetime would swallow Ctrl+C to stop the host, while the
/// CLI wants Ctrl+C to cancel the command (which then stops the host itself), and it prints "Application started".
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
