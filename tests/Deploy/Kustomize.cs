using System.Diagnostics;
using k8s;

namespace Summarizer.Deploy.Tests;

/// <summary>Renders a Kustomize directory with <c>kubectl kustomize</c> and parses every document strictly.</summary>
internal static class Kustomize
{
    /// <summary>Why kubectl cannot be used here, or null when it can.</summary>
    public static readonly Lazy<string?> Unavailable = new(() =>
    {
        try
        {
            var (code, _, error) = Run("version", "--client");
            return code == 0 ? null : $"kubectl version --client failed: {error}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return "kubectl is not installed (.ci/run installs it): " + e.Message;
        }
    });

    /// <summary>The rendered YAML of <paramref name="directory"/> (relative to the repository root).</summary>
    public static string RenderText(string directory)
    {
        if (Unavailable.Value is { } why) throw new InvalidOperationException(why);
        var (code, output, error) = Run("kustomize", Repository.PathOf(directory));
        if (code != 0) throw new InvalidOperationException($"kubectl kustomize {directory} failed ({code}): {error}");
        return output;
    }

    /// <summary>Renders and parses with <c>KubernetesYaml.LoadAllFromString(text, strict: true)</c>: unknown fields fail.</summary>
    public static Rendered Render(string directory) =>
        new(KubernetesYaml.LoadAllFromString(RenderText(directory), strict: true));

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var info = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
