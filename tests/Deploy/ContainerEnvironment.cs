using System.Text.RegularExpressions;
using k8s.Models;

namespace Summarizer.Deploy.Tests;

/// <summary>
/// The environment Kubernetes would give a container: <c>envFrom</c> ConfigMaps first, then <c>env</c> in order
/// (later wins), field references from the pod, resource references from its containers, secret keys from the given
/// values, and <c>$(NAME)</c>
/// expanded against variables defined earlier, as the kubelet does.
/// </summary>
internal static partial class ContainerEnvironment
{
    /// <summary>Resolves <paramref name="container"/>'s environment in <paramref name="deployment"/>'s pod.</summary>
    public static Dictionary<string, string> Resolve(Rendered rendered, V1Deployment deployment, V1Container container,
        string podName, string podIp, IReadOnlyDictionary<(string Secret, string Key), string> secrets)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var map = rendered.Named<V1ConfigMap>(source.ConfigMapRef?.Name ?? throw new NotSupportedException("only configMapRef envFrom"));
            foreach (var (key, value) in map.Data) env[key] = value;
        }
        var labels = deployment.Spec.Template.Metadata.Labels;
        foreach (var variable in container.Env ?? [])
        {
            env[variable.Name] = variable.ValueFrom switch
            {
                null => Expand(variable.Value ?? "", env),
                { FieldRef: { } field } => Field(field.FieldPath, podName, podIp, labels),
                { SecretKeyRef: { } secret } => secrets[(secret.Name, secret.Key)],
                { ConfigMapKeyRef: { } key } => rendered.Named<V1ConfigMap>(key.Name).Data[key.Key],
                { ResourceFieldRef: { } resource } => Resource(deployment, resource),
                _ => throw new NotSupportedException($"valueFrom of {variable.Name}"),
            };
        }
        return env;
    }

    private static string Field(string path, string podName, string podIp, IDictionary<string, string> labels)
    {
        if (path == "metadata.name") return podName;
        if (path == "status.podIP") return podIp;
        var label = LabelPath().Match(path);
        if (label.Success) return labels[label.Groups[1].Value];
        throw new NotSupportedException("fieldRef " + path);
    }

    /// <summary>A container's request or limit in units of the divisor, rounded up, as the kubelet gives it.</summary>
    private static string Resource(V1Deployment deployment, V1ResourceFieldSelector selector)
    {
        var container = deployment.Spec.Template.Spec.Containers.Single(c => c.Name == selector.ContainerName);
        var (kind, name) = selector.Resource.Split('.', 2) switch
        {
            ["requests", var n] => (container.Resources.Requests, n),
            ["limits", var n] => (container.Resources.Limits, n),
            _ => throw new NotSupportedException("resourceFieldRef " + selector.Resource),
        };
        decimal value = kind[name].ToDecimal(), divisor = selector.Divisor?.ToDecimal() ?? 1m;
        return ((long)Math.Ceiling(value / divisor)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Expand(string value, Dictionary<string, string> env) =>
        Reference().Replace(value, m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^metadata\.labels\['([^']+)'\]$")]
    private static partial Regex LabelPath();
}
