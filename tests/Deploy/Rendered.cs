using k8s.Models;

namespace Summarizer.Deploy.Tests;

/// <summary>The typed objects of one rendered overlay.</summary>
internal sealed class Rendered(IReadOnlyList<object> objects)
{
    /// <summary>Every object, in document order.</summary>
    public IReadOnlyList<object> Objects { get; } = objects;

    /// <summary>Objects of type <typeparamref name="T"/>.</summary>
    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    /// <summary>The single object of type <typeparamref name="T"/> named <paramref name="name"/>.</summary>
    public T Named<T>(string name) where T : IMetadata<V1ObjectMeta> => All<T>().Single(o => o.Metadata.Name == name);

    /// <summary>The silo Deployment (HTTP API, role all/decoder).</summary>
    public V1Deployment Silo => Named<V1Deployment>("summarizer-silo");

    /// <summary>The settings ConfigMap.</summary>
    public V1ConfigMap Settings => Named<V1ConfigMap>("summarizer-settings");
}
