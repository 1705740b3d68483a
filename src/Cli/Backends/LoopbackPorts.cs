using System.Net;
using System.Net.Sockets;

namespace Summarizer.Cli.Backends;

/// <summary>Free loopback ports, so several embedded silos (several CLI runs) can live side by side.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port the OS reports free right now (another process could take it before we bind; unlikely).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
