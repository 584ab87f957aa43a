namespace Vehicle.Runtime.Vehicle.Kuksa;

/// <summary>How the car reaches an Eclipse KUKSA.val databroker (section <c>Vehicle:Kuksa</c>).</summary>
public sealed class KuksaOptions
{
    /// <summary>
    /// The databroker: <c>http://host:55555</c> (plain HTTP/2), <c>https://host:55555</c> (TLS) or
    /// <c>unix:/run/kuksa/databroker.sock</c>. Default: <c>http://127.0.0.1:55555</c>.
    /// </summary>
    public string Address { get; set; } = "http://127.0.0.1:55555";

    /// <summary>For https: the CA (PEM) the databroker's certificate must chain to. Default: the system's.</summary>
    public string? CaFile { get; set; }

    /// <summary>A file holding the JWT access token sent as <c>authorization: Bearer …</c> (databroker started with authorization). Default: none.</summary>
    public string? TokenFile { get; set; }

    /// <summary>
    /// How long an actuation may take to show in the subscribed value before it counts as not
    /// done (KUKSA's Actuate succeeds once the request is forwarded to the provider). Default: 2 s.
    /// </summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the car's start waits for the first subscribed values. Default: 2 s (then it starts anyway, not ready).</summary>
    public TimeSpan ConnectWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause between reconnection attempts. Default: 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The signals to read and actuate. Default: empty (every signal of the car's signal definitions).</summary>
    public List<string> Signals { get; set; } = [];

    /// <summary>Every setting error (prefixed <c>Vehicle:Kuksa:</c>), empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        var unix = Address.StartsWith("unix:/", StringComparison.Ordinal);
        if (!unix && !(Uri.TryCreate(Address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return $"Vehicle:Kuksa:Address '{Address}' is not http://host:port, https://host:port or unix:/path";
        }

        if (ConfirmTimeout <= TimeSpan.Zero)
        {
            yield return "Vehicle:Kuksa:ConfirmTimeout must be positive";
        }

        if (ConnectWait < TimeSpan.Zero)
        {
            yield return "Vehicle:Kuksa:ConnectWait must not be negative";
        }

        if (ReconnectDelay <= TimeSpan.Zero)
        {
            yield return "Vehicle:Kuksa:ReconnectDelay must be positive";
        }
    }
}
