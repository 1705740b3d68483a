using System.Text.RegularExpressions;

namespace Summarizer.Silo.Tests;

/// <summary>Checks that a response body shows nothing of the server's insides.</summary>
public static partial class LeakAssert
{
    /// <summary>
    /// Fails when <paramref name="body"/> carries a .NET type or namespace name, an exception, a stack trace, an
    /// Orleans or Redis internal, a content hash, a document key or a storage key.
    /// </summary>
    public static void NothingInternal(string body, string context)
    {
        var leak = Leaks().Match(body);
        Assert.False(leak.Success, $"{context}: the body shows '{leak.Value}': {body}");
    }

    [GeneratedRegex(@"System\.|Microsoft\.|Orleans|StackExchange|Summarizer\.[A-Z]|Exception|\bat [A-Z][\w.`]+[.(]|\.cs:line|\b(Int16|Int32|Int64|Double|Single|Boolean|String|Nullable)\b|`1|\b[0-9a-f]{64}\b|[\w.-]+/[0-9a-f]{16,}/|:kv:|SiloAddress|\bS\d+\.\d+\.\d+\.\d+:\d+|grain", RegexOptions.CultureInvariant)]
    private static partial Regex Leaks();
}
