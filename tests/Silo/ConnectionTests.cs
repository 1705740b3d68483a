using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class ConnectionTests(SiloAppFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    [Fact]
    public async Task ASlowLorisUploadIsCutOffAndAcceptsNothing()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Http.BaseAddress!.Port);
        var stream = tcp.GetStream();
        var headers = "POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers));

        // One byte a second is far below the minimum upload rate: Kestrel must give up on us within seconds.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool cutOff = false;
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(40))
            {
                await stream.WriteAsync("a"u8.ToArray());
                await Task.Delay(1000);
                if (tcp.Client.Poll(0, SelectMode.SelectRead))
                {
                    var buffer = new byte[4096];
                    int read = await stream.ReadAsync(buffer);
                    var answer = Encoding.ASCII.GetString(buffer, 0, read);
                    Assert.DoesNotContain("202", answer.Split('\n')[0]);
                    cutOff = true;
                    break;
                }
            }
        }
        catch (IOException) { cutOff = true; }
        catch (SocketException) { cutOff = true; }

        Assert.True(cutOff, "the server kept waiting for a trickling upload");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 30);
    }

    [Fact]
    public async Task ASubscriberThatDisconnectsMidStreamDoesNotStopTheJob()
    {
        using var post = await Http.PostAsJsonAsync("/v1/summaries", new { text = TinyCheckpoint.Document(1000, 1500).Document, options = new { maxNewTokens = 40 } });
        var id = (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using (var cancel = new CancellationTokenSource())
        using (var response = await Http.GetAsync($"/v1/summaries/{id}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token)))
        {
            await reader.ReadLineAsync(cancel.Token); // the first event has started: now walk away
            cancel.Cancel();
        }

        var deadline = DateTime.UtcNow.AddMinutes(2);
        string? status = null;
        while (DateTime.UtcNow < deadline && status is not "completed")
        {
            await Task.Delay(250);
            status = (await Http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}")).GetProperty("status").GetString();
        }
        Assert.Equal("completed", status);
    }
}
