using System.Net;
using System.Net.Sockets;

namespace Summarizer.TestSupport;

/// <summary>
/// A loopback TCP forwarder in front of a server whose connections a test can cut at once, as a network drop would
/// (the peers see their sockets reset, not a clean HTTP end). New connections are accepted again right after.
/// </summary>
public sealed class DroppableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;

    /// <summary>Starts forwarding a free loopback port to <paramref name="target"/>.</summary>
    public DroppableProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect.</summary>
    public Uri Address { get; }

    /// <summary>Connections cut so far.</summary>
    public int Dropped { get; private set; }

    /// <summary>Resets every open connection, both sides.</summary>
    public void DropAll()
    {
        lock (_open)
        {
            foreach (var client in _open)
            {
                // A pump may have closed it already (its peer ended): then there is nothing to reset.
                try { if (client.Client is { } socket) socket.LingerState = new LingerOption(true, 0); }
                catch (ObjectDisposedException) { }
                client.Dispose();
                Dropped++;
            }
            _open.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            var outbound = new TcpClient();
            try { await outbound.ConnectAsync(_target, _stop.Token); }
            catch (Exception)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }
            lock (_open) _open.AddRange([inbound, outbound]);
            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream(), _stop.Token); }
        catch (Exception) { /* dropped or closed: the other pump ends too */ }
        from.Dispose();
        to.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        await _accepting;
    }
}
