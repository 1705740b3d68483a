using System.Runtime.CompilerServices;
using System.Text;

namespace Summarizer.Silo.Tests;

/// <summary>
/// A minimal <c>text/event-stream</c> parser (WHATWG rules for the fields the API uses): fields accumulate until a
/// blank line dispatches the event; comment lines (<c>:</c>) are skipped; multi-line data joins with LF.
/// </summary>
public static class ServerSentEventReader
{
    /// <summary>Events of <paramref name="stream"/> until it ends.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string? id = null, name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0) yield return new ServerSentEvent(id, name, string.Join('\n', data));
                name = null;
                data.Clear();
                continue;
            }
            if (line.StartsWith(':')) continue;
            int colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }
    }
}
