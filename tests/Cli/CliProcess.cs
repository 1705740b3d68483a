using System.Diagnostics;
using System.Text;

namespace Summarizer.Cli.Tests;

/// <summary>Runs the real <c>summarizer</c> CLI as a separate process, the way users run it.</summary>
internal static class CliProcess
{
    /// <summary>Generous for a debug build on a busy two-core machine; a hung CLI still fails the test rather than the run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Runs <c>dotnet summarizer.dll</c> with <paramref name="args"/>, <c>SUMMARIZER_HOME</c> set to <paramref name="home"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string home, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(BuiltPrograms.Cli);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["SUMMARIZER_HOME"] = home;
        info.Environment.Remove("SUMMARIZER_DEBUG");

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"summarizer {string.Join(' ', args)} did not finish within {DefaultTimeout}.\n--- stderr\n{await stderr}");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
