using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Summarizer.TestSupport;

/// <summary>
/// A throw-away certificate authority with a server certificate for 127.0.0.1/localhost and a client certificate, all
/// written as PEM files (what <c>redis-server --tls-*</c> and the silo's <c>Summarizer:Redis:Tls*</c> settings read).
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory) => Directory = directory;

    /// <summary>Where the files are.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate (PEM).</summary>
    public string CaFile => Path.Combine(Directory, "ca.crt");

    /// <summary>The server certificate (PEM), issued by the CA for IP 127.0.0.1 and DNS localhost.</summary>
    public string ServerCertFile => Path.Combine(Directory, "server.crt");

    /// <summary>The server's private key (PKCS#8 PEM).</summary>
    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    /// <summary>A client certificate (PEM) issued by the CA.</summary>
    public string ClientCertFile => Path.Combine(Directory, "client.crt");

    /// <summary>The client's private key (PKCS#8 PEM).</summary>
    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    /// <summary>Creates the CA and both certificates in <paramref name="directory"/>.</summary>
    public static TestCertificates Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var files = new TestCertificates(directory);
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=summarizer-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());

        Issue(ca, "CN=localhost", serverAuth: true, files.ServerCertFile, files.ServerKeyFile, now, 1);
        Issue(ca, "CN=summarizer-test-client", serverAuth: false, files.ClientCertFile, files.ClientKeyFile, now, 2);
        return files;
    }

    private static void Issue(X509Certificate2 ca, string subject, bool serverAuth, string certFile, string keyFile, DateTimeOffset now, byte serial)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), [serial, 0x5A, 0x17]);
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
