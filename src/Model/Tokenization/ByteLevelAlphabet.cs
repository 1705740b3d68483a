namespace Summarizer.Model.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c> table: every byte value gets a printable character so that
/// byte-level BPE tokens can be stored as ordinary strings in <c>vocab.json</c>/<c>merges.txt</c>.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Byte values in the order GPT-2 lists them (printable ranges first), which is also
    /// the order their symbols receive ids in a GPT-2/BART vocabulary.</summary>
    public static IReadOnlyList<byte> BytesInVocabularyOrder { get; }

    private static readonly char[] CharForByte = new char[256];
    private static readonly Dictionary<char, byte> ByteForChar = new(256);

    static ByteLevelAlphabet()
    {
        var order = new List<byte>(256);
        var mapped = new bool[256];
        // Printable Latin-1 bytes map to themselves; this keeps vocabularies human-readable.
        foreach (var (first, last) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
        {
            for (int b = first; b <= last; b++)
            {
                CharForByte[b] = (char)b;
                mapped[b] = true;
                order.Add((byte)b);
            }
        }

        // The remaining bytes (controls, space, soft hyphen...) are shifted past U+00FF in byte order.
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (mapped[b])
            {
                continue;
            }

            CharForByte[b] = (char)(256 + next++);
            order.Add((byte)b);
        }

        for (int b = 0; b < 256; b++)
        {
            ByteForChar[CharForByte[b]] = (byte)b;
        }

        BytesInVocabularyOrder = order;
    }

    /// <summary>The printable symbol that stands for <paramref name="value"/>.</summary>
    public static char SymbolFor(byte value) => CharForByte[value];

    /// <summary>Maps UTF-8 bytes to their byte-level symbol string (e.g. a space becomes "Ġ").</summary>
    public static string ToSymbols(ReadOnlySpan<byte> utf8)
    {
        return string.Create(utf8.Length, utf8.ToArray(), static (chars, bytes) =>
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i] = CharForByte[bytes[i]];
            }
        });
    }

    /// <summary>
    /// Converts a byte-level token back to its raw bytes; returns false when the token contains a
    /// character outside the alphabet (an added token stored as plain text).
    /// </summary>
    public static bool TryGetBytes(string token, out byte[] bytes)
    {
        bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!ByteForChar.TryGetValue(token[i], out bytes[i]))
            {
                bytes = [];
                return false;
            }
        }

        return true;
    }
}
