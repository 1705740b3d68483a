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

    /// <summary>
    /// Renders and parses with <c>KubernetesYaml.LoadAllFromString(text, types, strict: true)</c>: unknown fields, and
    /// kinds neither Kubernetes' nor the Prometheus Operator's ones modelled here, fail.
    /// </summary>
    public static Rendered Render(string directory) =>
        new(KubernetesYaml.LoadAllFromString(RenderText(directory), Types.Value, strict: true));

    /// <summary>apiVersion/kind of every Kubernetes model type, plus the monitoring kinds.</summary>
    private static readonly Lazy<Dictionary<string, Type>> Types = new(() =>
    {
        var types = typeof(k8s.Models.V1Pod).Assembly.GetTypes()
            .Select(t => (Type: t, Entity: t.GetCustomAttributes(typeof(k8s.Models.KubernetesEntityAttribute), false).OfType<k8s.Models.KubernetesEntityAttribute>().FirstOrDefault()))
            .Where(x => x.Entity is not null)
            .GroupBy(x => (string.IsNullOrEmpty(x.Entity!.Group) ? "" : x.Entity.Group + "/") + x.Entity.ApiVersion + "/" + x.Entity.Kind)
            .ToDictionary(g => g.Key, g => g.First().Type);
        types[V1PodMonitor.KubeApiVersion + "/PodMonitor"] = typeof(V1PodMonitor);
        types[V1PodMonitor.KubeApiVersion + "/PrometheusRule"] = typeof(V1PrometheusRule);
        return types;
    });

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
