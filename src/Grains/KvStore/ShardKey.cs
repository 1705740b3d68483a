namespace Summarizer.Grains.KvStore;

/// <summary>
/// Identifies one stored shard: the document (tenant, content hash, model fingerprint, as in the document grain's
/// key) and the shard's index.
/// </summary>
public readonly record struct ShardKey(string Tenant, string ContentHash, string ModelFingerprint, int Index)
{
    /// <summary>Parses a document grain key <c>tenant/hash/fingerprint</c> and pairs it with a shard index.</summary>
    public static ShardKey For(string documentKey, int index)
    {
        var parts = documentKey.Split('/');
        if (parts.Length != 3) throw new ArgumentException($"Document key '{documentKey}' is not tenant/hash/fingerprint.", nameof(documentKey));
        return new ShardKey(parts[0], parts[1], parts[2], index);
    }

    /// <summary>The document grain key this shard belongs to.</summary>
    public string DocumentKey => $"{Tenant}/{ContentHash}/{ModelFingerprint}";

    /// <inheritdoc />
    public override string ToString() => $"{DocumentKey}#{Index}";
}
