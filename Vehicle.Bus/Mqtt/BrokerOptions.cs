namespace Vehicle.Bus.Mqtt;

/// <summary>How to reach a broker: address, TLS material and credentials. Shared by the car and the responder.</summary>
public sealed class BrokerOptions
{
    /// <summary><c>mqtt://host:port</c> or <c>mqtts://host:port</c>; empty: the embedded broker.</summary>
    public string? Broker { get; set; }

    /// <summary>PEM file of the CA the broker's certificate must chain to (CA pinning). Empty: the system's roots.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>MQTT user name.</summary>
    public string? Username { get; set; }

    /// <summary>MQTT password. Sent only over <c>mqtts://</c> unless <see cref="AllowPlainTextPassword"/>.</summary>
    public string? Password { get; set; }

    /// <summary>Send <see cref="Password"/> over plain <c>mqtt://</c> (readable by anyone on the path). Default: false.</summary>
    public bool AllowPlainTextPassword { get; set; }

    /// <summary>Keep-alive: a half-open connection is noticed within about 1.5 times this.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay; doubles per failed attempt, with ±25 % jitter.</summary>
    public TimeSpan ReconnectMin { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Reconnect delay cap.</summary>
    public TimeSpan ReconnectMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connect and acknowledgement timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
