using System.Security.Cryptography;
using System.Text;

namespace Summarizer.Contracts;

/// <summary>
/// What a document's identity (<see cref="DocumentKey"/>) is computed from: the normalized text and its SHA-256. Normalization (Unicode NFC,
/// CRLF/CR to LF, surrounding whitespace trimmed) makes the same document submitted from different systems one
/// document, encoded once.
/// </summary>
public static class DocumentKeys
{
    /// <summary>The normalized form of <paramref name="text"/> that is hashed and encoded.</summary>
    public static string Normalize(string text) =>
        text.Normalize(NormalizationForm.FormC).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Trim();

    /// <summary>Hex SHA-256 of the normalized text.</summary>
    public static string ContentHash(string normalizedText) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedText))).ToLowerInvariant();
}
