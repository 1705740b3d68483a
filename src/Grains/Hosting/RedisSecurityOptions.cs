namespace Summarizer.Grains.Hosting;

/// <summary>
/// Redis credentials and TLS, bound from <c>Summarizer:Redis</c> (environment: <c>Summarizer__Redis__Password</c>, ...).
/// They are merged into the endpoints of <see cref="SummarizerOptions.RedisConnectionString"/> and used by clustering,
/// grain storage and the K/V store alike. The password is never logged nor put in an error message.
/// </summary>
public sealed class RedisSecurityOptions
{
    /// <summary>ACL user name (Redis 6+); unset authenticates as the default user.</summary>
    public string? User { get; set; }

    /// <summary>Password of <see cref="User"/> (or of <c>requirepass</c>); typically from a Kubernetes Secret.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS.</summary>
    public bool Tls { get; set; }

    /// <summary>PEM file of the CA that issued the server's certificate, trusted in addition to the system's CAs.</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>The name the server certificate must carry, when it differs from the host in the connection string.</summary>
    public string? TlsHost { get; set; }

    /// <summary>PEM client certificate, for servers that require one (<c>tls-auth-clients yes</c>); needs <see cref="TlsClientKeyFile"/>.</summary>
    public string? TlsClientCertFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsClientCertFile"/>.</summary>
    public string? TlsClientKeyFile { get; set; }
}
