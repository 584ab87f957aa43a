using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;

namespace Vehicle.Bus.Mqtt;

/// <summary>Builds MQTT 5 client options from <see cref="BrokerOptions"/>: address, TLS, mutual TLS, CA pinning, credentials.</summary>
public static class MqttConnection
{
    /// <summary>Parses and checks a broker address.</summary>
    /// <exception cref="ArgumentException">Not an <c>mqtt://</c> or <c>mqtts://</c> address with a host.</exception>
    public static Uri ParseBroker(string broker)
    {
        if (!Uri.TryCreate(broker, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"broker must look like mqtt://host:1883 or mqtts://host:8883, not '{broker}'", nameof(broker));
        }

        return uri;
    }

    /// <summary>
    /// Client options: MQTT 5, the given session handling, keep-alive and timeout; TLS 1.2/1.3 for
    /// <c>mqtts://</c> with the optional pinned CA and client certificate.
    /// </summary>
    public static MqttClientOptionsBuilder CreateOptions(BrokerOptions options, Uri broker, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        var tls = broker.Scheme == "mqtts";
        if (!tls && !string.IsNullOrEmpty(options.Password) && !options.AllowPlainTextPassword)
        {
            throw new ArgumentException($"a password would go to {broker} in plain text: use mqtts:// (or set AllowPlainTextPassword)", nameof(options));
        }

        var port = broker.IsDefaultPort || broker.Port <= 0 ? (tls ? 8883 : 1883) : broker.Port;
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer(broker.Host, port)
            .WithClientId(clientId)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.Timeout);
        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(options.Username, options.Password ?? string.Empty);
        }

        if (tls)
        {
            var ca = string.IsNullOrEmpty(options.CaFile) ? null : LoadCertificates(options.CaFile);
            var client = LoadClientCertificate(options);
            builder.WithTlsOptions(t =>
            {
                t.UseTls()
                    .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                    .WithTargetHost(broker.Host)
                    .WithCertificateValidationHandler(e => Validate(e.Certificate, e.Chain, e.SslPolicyErrors, broker.Host, ca));
                if (client is not null)
                {
                    t.WithClientCertificates([client]);
                }
            });
        }
        else if (!string.IsNullOrEmpty(options.CertFile) || !string.IsNullOrEmpty(options.CaFile))
        {
            throw new ArgumentException($"certificate options need an mqtts:// broker, not {broker}");
        }

        return builder;
    }

    /// <summary>Subscribes with QoS 1; throws when the broker refuses (e.g. its ACL).</summary>
    /// <exception cref="InvalidOperationException">The broker refused the subscription.</exception>
    public static async Task SubscribeAsync(IMqttClient client, string filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        var result = await client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        var refused = result.Items.FirstOrDefault(i => (int)i.ResultCode > 2);
        if (refused is not null)
        {
            throw new InvalidOperationException($"broker refused the subscription to {filter}: {refused.ResultCode}");
        }
    }

    /// <summary>
    /// The broker's certificate must chain to the pinned CA (or, with none pinned, to the system's
    /// roots), name the host and be meant for a TLS server (extended key usage serverAuth). With a
    /// pinned CA the chain is built again from the intermediates the broker presented (and any in the
    /// CA file), trusting only the CA file's self-signed roots. Revocation is not checked online: a
    /// car in a tunnel cannot reach an OCSP responder or CRL distribution point, and an online check
    /// would stall the connection for its whole timeout. Short-lived broker certificates and the
    /// pinned CA stand in for it. Every TLS client of the car pins this way (the KUKSA databroker too).
    /// </summary>
    /// <param name="certificate">The server's certificate.</param>
    /// <param name="presented">The chain the TLS stack built (its intermediates are used).</param>
    /// <param name="errors">What the TLS stack found wrong.</param>
    /// <param name="host">The host connected to (named in the certificate).</param>
    /// <param name="pinned">The pinned CA file's certificates; null: the system's roots.</param>
    public static bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, string host, X509Certificate2Collection? pinned)
    {
        if (certificate is null)
        {
            return false;
        }

        if (pinned is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
        foreach (var authority in pinned)
        {
            (authority.SubjectName.RawData.AsSpan().SequenceEqual(authority.IssuerName.RawData) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(authority);
        }

        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawData.AsSpan().SequenceEqual(leaf.RawData))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        return chain.ChainPolicy.CustomTrustStore.Count > 0 && chain.Build(leaf);
    }

    /// <summary>The extended key usage of a TLS server certificate.</summary>
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>The certificates of a PEM file (a CA file to pin).</summary>
    /// <exception cref="ArgumentException">The file holds no certificate.</exception>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        if (collection.Count == 0)
        {
            throw new ArgumentException($"no certificate in CA file {path}");
        }

        return collection;
    }

    private static X509Certificate2? LoadClientCertificate(BrokerOptions options)
    {
        if (string.IsNullOrEmpty(options.CertFile))
        {
            return null;
        }

        using var pem = X509Certificate2.CreateFromPemFile(options.CertFile, string.IsNullOrEmpty(options.KeyFile) ? null : options.KeyFile);
        // SslStream on Linux wants a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
