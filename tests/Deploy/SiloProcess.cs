using System.Diagnostics;
using System.Text;

namespace Summarizer.Deploy.Tests;

/// <summary><c>Summarizer.Silo.dll</c> as a separate process with exactly the given environment; killed on dispose.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SiloProcess(Process process) => _process = process;

    /// <summary>What the silo wrote so far (for failure messages).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts the silo with <paramref name="environment"/> replacing the inherited environment.</summary>
    public static SiloProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Repository.SiloDll)!,
        };
        info.ArgumentList.Add(Repository.SiloDll);
        // Only what the manifests set, plus what any process needs to run here (PATH, HOME, the dotnet root).
        var inherited = info.Environment.Where(e => e.Key is "PATH" or "HOME" or "DOTNET_ROOT" or "TMPDIR").ToList();
        info.Environment.Clear();
        foreach (var (key, value) in inherited) info.Environment[key] = value;
        foreach (var (key, value) in environment) info.Environment[key] = value;

        var silo = new SiloProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start."));
        silo._process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        return silo;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
