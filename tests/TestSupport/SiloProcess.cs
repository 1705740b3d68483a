using System.Diagnostics;
using System.Text;

namespace Summarizer.TestSupport;

/// <summary>
/// The real silo host (<c>Summarizer.Silo.dll</c>) as a separate process on free loopback ports, with the given
/// settings as environment variables; killed on dispose.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SiloProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>Base URL of the HTTP API.</summary>
    public string Url { get; }

    /// <summary>What the silo wrote so far (for failure messages).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The silo's process id (to read its memory from <c>/proc</c>).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts <paramref name="siloDll"/> with exactly <paramref name="environment"/> (plus PATH, HOME, DOTNET_ROOT and
    /// TMPDIR, which any process needs here) and no other settings or arguments, as a container would run it; does
    /// not wait for readiness. <see cref="Url"/> is empty: the environment decides where it listens.
    /// </summary>
    public static SiloProcess StartIsolated(string siloDll, IReadOnlyDictionary<string, string> environment)
    {
        var info = Info(siloDll);
        var inherited = info.Environment.Where(e => e.Key is "PATH" or "HOME" or "DOTNET_ROOT" or "TMPDIR").ToList();
        info.Environment.Clear();
        foreach (var (key, value) in inherited) info.Environment[key] = value;
        foreach (var (key, value) in environment) info.Environment[key] = value;
        return Launch(info, "");
    }

    private static ProcessStartInfo Info(string siloDll)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(siloDll)!,
        };
        info.ArgumentList.Add(siloDll);
        return info;
    }

    private static SiloProcess Launch(ProcessStartInfo info, string url)
    {
        var silo = new SiloProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start."), url);
        silo._process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>
    /// Starts <paramref name="siloDll"/> with <paramref name="settings"/> (environment variables such as
    /// <c>Summarizer__ModelDirectory</c>) and waits until <c>/health/ready</c> answers 200.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string siloDll, IReadOnlyDictionary<string, string> settings, TimeSpan? readyTimeout = null)
    {
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";
        var info = Info(siloDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(url);
        info.Environment["Summarizer__SiloPort"] = RedisServer.FreePort().ToString();
        info.Environment["Summarizer__GatewayPort"] = RedisServer.FreePort().ToString();
        info.Environment["ORLEANS_CLUSTER_ID"] = "silo-process-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var (key, value) in settings) info.Environment[key] = value;

        var silo = Launch(info, url);
        try
        {
            await silo.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromMinutes(2));
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The silo exited with code {_process.ExitCode}.\n{Log}");
            try
            {
                using var response = await http.GetAsync(Url + "/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The silo at {Url} was not ready within {timeout}.\n{Log}");
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
