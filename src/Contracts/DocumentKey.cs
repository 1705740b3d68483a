using System.Globalization;

namespace Summarizer.Contracts;

/// <summary>
/// A document's identity (tenant, SHA-256 of its normalized text, model fingerprint) and the one owner of the key formats
/// built from it: the document grain's key <c>tenant/hash/fingerprint</c> and a shard's key <c>{documentKey}#{index}</c>
/// (shard grains, the K/V memory cache). Both are built and parsed only here. Hash and fingerprint are hex, so parsing
/// from the right keeps any tenant name intact, <c>/</c> and <c>#</c> included.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.DocumentKey")]
public readonly record struct DocumentKey(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string ContentHash,
    [property: Id(2)] string ModelFingerprint)
{
    /// <summary>The document grain key.</summary>
    public override string ToString() => $"{Tenant}/{ContentHash}/{ModelFingerprint}";

    /// <summary>The key of shard <paramref name="index"/> of this document.</summary>
    public string ShardKey(int index) => string.Create(CultureInfo.InvariantCulture, $"{this}#{index}");

    /// <summary>Parses a document grain key.</summary>
    /// <exception cref="FormatException">The key is not <c>tenant/hash/fingerprint</c>.</exception>
    public static DocumentKey Parse(string key)
    {
        int last = key.LastIndexOf('/');
        int middle = last > 0 ? key.LastIndexOf('/', last - 1) : -1;
        if (middle < 0 || last == key.Length - 1 || middle + 1 == last)
            throw new FormatException("A document key is tenant/hash/fingerprint.");
        return new DocumentKey(key[..middle], key[(middle + 1)..last], key[(last + 1)..]);
    }

    /// <summary>Parses a shard key into its document and index.</summary>
    /// <exception cref="FormatException">The key is not <c>{documentKey}#{index}</c>.</exception>
    public static (DocumentKey Document, int Index) ParseShardKey(string key)
    {
        int hash = key.LastIndexOf('#');
        if (hash < 0 || !int.TryParse(key.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new FormatException("A shard key is {documentKey}#{index}.");
        return (Parse(key[..hash]), index);
    }
}
