using System.Runtime.CompilerServices;
using System.Text;

namespace Summarizer.Cli.Backends;

/// <summary>Parses a <c>text/event-stream</c> body into messages (the subset of the format the silo writes, and comments).</summary>
internal static class ServerSentEventReader
{
    /// <summary>Messages in stream order; ends when the stream does.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        string name = "message";
        string? id = null;
        var data = new StringBuilder();
        bool hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                // A blank line dispatches; one without data lines is only a keep-alive.
                if (hasData) yield return new ServerSentEvent(name, id, data.ToString());
                name = "message";
                id = null;
                data.Clear();
                hasData = false;
                continue;
            }
            if (line[0] == ':') continue;
            int colon = line.IndexOf(':');
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "event": name = value; break;
                case "id": id = value; break;
                case "data":
                    if (hasData) data.Append('\n');
                    data.Append(value);
                    hasData = true;
                    break;
            }
        }
    }
}
