using Summarizer.Contracts;

namespace Summarizer.Grains.KvStore;

/// <summary>Identifies one stored shard: its document and its index. Printed and parsed by <see cref="DocumentKey"/>.</summary>
public readonly record struct ShardKey(DocumentKey Document, int Index)
{
    /// <summary>Shard <paramref name="index"/> of the document whose grain key is <paramref name="documentKey"/>.</summary>
    public static ShardKey For(string documentKey, int index) => new(DocumentKey.Parse(documentKey), index);

    /// <inheritdoc />
    public override string ToString() => Document.ShardKey(Index);
}
