using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Request bodies broken at the transport level, sent over raw sockets: malformed chunked encoding, a body that ends
/// before its Content-Length, contradictory or invalid length headers. Each gets a 400 (or the connection is closed by
/// the server), never a 500 and never an accepted job.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class RequestBodyTests(BadInputFixture fixture)
{
    private const string Head = "POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n";

    /// <summary>Each broken body, sent both with the sending side closed after it and with the connection left open.</summary>
    public static IEnumerable<object[]> Cases =>
        from body in BrokenBodies from halfClose in new[] { true, false } select new object[] { body.Key, halfClose };

    private static readonly Dictionary<string, string> BrokenBodies = new()
    {
        ["a chunk size that is not hex"] = "Transfer-Encoding: chunked\r\n\r\nZZ\r\nA document.\r\n0\r\n\r\n",
        ["a chunk longer than its size"] = "Transfer-Encoding: chunked\r\n\r\n3\r\nA document.\r\n0\r\n\r\n",
        ["a chunk without its CRLF"] = "Transfer-Encoding: chunked\r\n\r\nb\r\nA document.0\r\n\r\n",
        ["a negative chunk size"] = "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
        ["a chunk size beyond 64 bits"] = "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",
        ["chunks that stop before the last chunk"] = "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        ["a body shorter than its Content-Length"] = "Content-Length: 1000\r\n\r\nA short document.",
        ["an empty body with a Content-Length"] = "Content-Length: 50\r\n\r\n",
        ["a Content-Length that is not a number"] = "Content-Length: lots\r\n\r\nA document.",
        ["a negative Content-Length"] = "Content-Length: -11\r\n\r\nA document.",
        ["two different Content-Lengths"] = "Content-Length: 11\r\nContent-Length: 5\r\n\r\nA document.",
        ["an unknown transfer coding"] = "Transfer-Encoding: gzip\r\n\r\nA document.",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ABrokenBodyIsRefusedWithAClientErrorOrAClosedConnectionAndNoJob(string label, bool halfClose)
    {
        var (statusLine, response) = await SendRawAsync(Head + BrokenBodies[label], halfClose);

        // Either an answer in 4xx, or the server closed the connection without answering (nothing else is acceptable).
        if (statusLine is not null)
        {
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(statusLine, @"^HTTP/1\.1 4\d\d"), $"{label}: {response}");
            Assert.DoesNotContain("Location:", response, StringComparison.OrdinalIgnoreCase);
            LeakAssert.NothingInternal(response, label);
        }
        // A client that leaves the connection open is always answered.
        Assert.True(halfClose || statusLine is not null, $"{label}: the server closed an open connection without answering");
        using var ready = await fixture.App.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task AMalformedChunkedBodyIsA400NamingTheBody()
    {
        var (statusLine, response) = await SendRawAsync(Head + BrokenBodies["a chunk size that is not hex"], halfClose: false);

        Assert.StartsWith("HTTP/1.1 400 ", statusLine);
        Assert.Contains("\"field\":\"(body)\"", response);
        Assert.Contains("request body could not be read", response);
    }

    [Fact]
    public async Task ABodyThatStopsShortOfItsContentLengthIsA408NamingTheBodyOnceItStopsArriving()
    {
        // The client sends part of the body and waits: after the upload grace the server gives up and says why.
        var (statusLine, response) = await SendRawAsync(Head + BrokenBodies["a body shorter than its Content-Length"], halfClose: false);

        Assert.StartsWith("HTTP/1.1 408 ", statusLine);
        Assert.Contains("\"field\":\"(body)\"", response);
        Assert.Contains("request body could not be read", response);
    }

    /// <summary>
    /// Sends <paramref name="request"/> as bytes, closes the sending side when <paramref name="halfClose"/> (the body
    /// ends there), and reads the answer until the server closes, the answer is complete, or 30 s pass. Returns the
    /// status line (null if the server answered nothing) and all it sent.
    /// </summary>
    private async Task<(string? StatusLine, string Response)> SendRawAsync(string request, bool halfClose)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.App.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        if (halfClose) tcp.Client.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                // A chunked answer is complete at its last chunk; the server may keep the connection open after it.
                if (Encoding.UTF8.GetString(received.ToArray()).EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)) break;
            }
        }
        catch (IOException) { }
        catch (OperationCanceledException) { Assert.Fail("the server neither answered nor closed the connection within 30 s"); }
        var text = Encoding.UTF8.GetString(received.ToArray());
        return (text.Length == 0 ? null : text.Split("\r\n")[0], text);
    }
}
