using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Summarizer.Grains.Hosting;

/// <summary>
/// Builds the one StackExchange.Redis configuration that clustering, grain storage and the K/V store all use: the
/// endpoints and settings of <see cref="SummarizerOptions.RedisConnectionString"/>, with the user, password and TLS of
/// <see cref="SummarizerOptions.Redis"/> laid over them. Errors name settings and files, never the password; nothing
/// here prints the configuration (its <c>ToString()</c> would include the password), and Orleans redacts it.
/// </summary>
public static class RedisConnection
{
    /// <summary>The merged configuration (a fresh instance: callers may change it).</summary>
    /// <exception cref="OptionsValidationException">The connection string or a TLS file is not usable.</exception>
    public static ConfigurationOptions Build(SummarizerOptions options)
    {
        ConfigurationOptions redis;
        try
        {
            redis = ConfigurationOptions.Parse(options.RedisConnectionString ?? "");
        }
        catch (ArgumentException e)
        {
            // StackExchange.Redis names the bad keyword or value; a password value is never the subject (any string is valid).
            throw Invalid(nameof(SummarizerOptions.RedisConnectionString), "is not a valid StackExchange.Redis connection string: " + e.Message);
        }
        if (redis.EndPoints.Count == 0) throw Invalid(nameof(SummarizerOptions.RedisConnectionString), "names no Redis endpoint (host:port).");

        var security = options.Redis;
        if (!string.IsNullOrEmpty(security.User)) redis.User = security.User;
        if (!string.IsNullOrEmpty(security.Password)) redis.Password = security.Password;
        if (security.Tls) redis.Ssl = true;
        if (!redis.Ssl && (!string.IsNullOrWhiteSpace(security.TlsCaFile) || !string.IsNullOrWhiteSpace(security.TlsClientCertFile)))
            throw Invalid("Redis:Tls", "must be true (or the connection string must say ssl=true) when a TLS certificate file is set.");
        if (!string.IsNullOrWhiteSpace(security.TlsHost)) redis.SslHost = security.TlsHost;
        if (!string.IsNullOrWhiteSpace(security.TlsCaFile))
        {
            var ca = LoadCertificate("Redis:TlsCaFile", security.TlsCaFile, keyFile: null);
            redis.TrustIssuer(ca);
        }
        if (!string.IsNullOrWhiteSpace(security.TlsClientCertFile) || !string.IsNullOrWhiteSpace(security.TlsClientKeyFile))
        {
            if (string.IsNullOrWhiteSpace(security.TlsClientCertFile) || string.IsNullOrWhiteSpace(security.TlsClientKeyFile))
                throw Invalid("Redis:TlsClientCertFile", "and Summarizer:Redis:TlsClientKeyFile must be set together.");
            var client = LoadCertificate("Redis:TlsClientCertFile", security.TlsClientCertFile, security.TlsClientKeyFile);
            redis.CertificateSelection += (_, _, _, _, _) => client;
        }
        return redis;
    }

    private static X509Certificate2 LoadCertificate(string setting, string certFile, string? keyFile)
    {
        try
        {
            if (keyFile is null) return X509CertificateLoader.LoadCertificateFromFile(certFile);
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // Re-imported so the private key is usable by SslStream on every platform (PEM keys are ephemeral).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw Invalid(setting, $"'{(keyFile is null ? certFile : certFile + "' / '" + keyFile)}' cannot be read as a PEM certificate: {e.Message}");
        }
    }

    private static OptionsValidationException Invalid(string name, string message) =>
        new(name, typeof(SummarizerOptions), [$"Summarizer:{name} {message}"]);
}
