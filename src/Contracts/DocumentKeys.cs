using System.Security.Cryptography;
using System.Text;

namespace Summarizer.Contracts;

/// <summary>
/// What a document's identity (<see cref="DocumentKey"/>) is computed from: the normalized text and its SHA-256.
/// Normalization (Unicode NFC in the stream-safe form, CRLF/CR to LF, surrounding whitespace trimmed) makes the same
/// document submitted from different systems one document, encoded once; it is a pure function of the text, linear in
/// its length, and its own fixed point (normalizing a normalized text changes nothing).
/// </summary>
public static class DocumentKeys
{
    /// <summary>The normalized form of <paramref name="text"/> that is hashed and encoded.</summary>
    /// <exception cref="ArgumentException">
    /// The text is not Unicode text (an unpaired UTF-16 surrogate); the parameter is <c>text</c>.
    /// </exception>
    public static string Normalize(string text) =>
        StreamSafeText.Normalize(text).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Trim();

    /// <summary>
    /// The Unicode step of <see cref="Normalize"/> alone (NFC in the stream-safe form; line ends and surrounding
    /// whitespace untouched): what maps offsets in the normalized text back to the text as sent.
    /// </summary>
    public static string Nfc(string text) => StreamSafeText.Normalize(text);

    /// <summary>Throws an <see cref="ArgumentException"/> naming <c>text</c> when the text is not well-formed UTF-16.</summary>
    public static void ValidateText(string text) => StreamSafeText.ThrowOnUnpairedSurrogate(text);

    /// <summary>Hex SHA-256 of the normalized text.</summary>
    public static string ContentHash(string normalizedText) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedText))).ToLowerInvariant();
}
