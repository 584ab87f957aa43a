using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vehicle.Tests.Shared;

/// <summary>
/// Certificates a test generates: a root CA (optionally an intermediate CA under it that issues
/// everything, as public CAs do), a broker certificate for localhost and client certificates, as
/// PEM files. <see cref="CaFile"/> holds the root only; an issued certificate's file holds it and
/// the intermediate, the chain a server presents.
/// </summary>
internal sealed class TestPki
{
    private readonly X509Certificate2 _issuer;
    private readonly X509Certificate2? _intermediate;

    public TestPki(string directory, string name, bool intermediate = false)
    {
        Directory = directory;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=Test CA {name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Root = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(30));
        _issuer = Root;
        if (intermediate)
        {
            using var middleKey = RSA.Create(2048);
            var middle = new CertificateRequest($"CN=Test Intermediate {name}", middleKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            middle.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            middle.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var signed = middle.Create(Root, TimeProvider.System.GetUtcNow().AddDays(-1), Root.NotAfter.AddHours(-1), RandomNumberGenerator.GetBytes(8));
            _intermediate = signed.CopyWithPrivateKey(middleKey);
            _issuer = _intermediate;
        }

        CaFile = Path.Combine(directory, $"{name}-ca.pem");
        File.WriteAllText(CaFile, Root.ExportCertificatePem());
        (ServerCertFile, ServerKeyFile) = Issue($"{name}-server", "localhost", server: true);
    }

    public X509Certificate2 Root { get; }

    /// <summary>The intermediate CA, when there is one.</summary>
    public X509Certificate2? Intermediate => _intermediate;

    public string Directory { get; }

    public string CaFile { get; }

    public string ServerCertFile { get; }

    public string ServerKeyFile { get; }

    /// <summary>Issues a certificate signed by this CA; returns the PEM certificate (then the intermediate, if any) and key files.</summary>
    public (string Cert, string Key) Issue(string fileName, string commonName, bool server) => Issue(fileName, commonName, server, server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2");

    /// <summary>Issues a certificate with the given extended key usage (serverAuth 1.3.6.1.5.5.7.3.1, clientAuth ...2).</summary>
    public (string Cert, string Key) Issue(string fileName, string commonName, bool server, string usage)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(commonName);
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(_issuer, TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(28), serial);
        var certFile = Path.Combine(Directory, $"{fileName}.pem");
        var keyFile = Path.Combine(Directory, $"{fileName}.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem() + "\n" + (_intermediate?.ExportCertificatePem() ?? string.Empty));
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }
}
