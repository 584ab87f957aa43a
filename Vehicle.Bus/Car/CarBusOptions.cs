using Vehicle.Bus.Mqtt;

namespace Vehicle.Bus.Car;

/// <summary>The car side of the bus (configuration section <c>Bus</c>).</summary>
public sealed class CarBusOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Bus";

    /// <summary>Broker address, TLS and credentials. No broker: the runtime starts the embedded one.</summary>
    public BrokerOptions Connection { get; set; } = new();

    private string _vehicleId = "demo-car";

    /// <summary>
    /// This vehicle's id: its topics are <c>{TopicRoot}/{VehicleId}/copilot/…</c>, its MQTT client id
    /// and a folder of its outbox, so 1-64 letters, digits, '.', '_' or '-', and never '/', '+', '#'
    /// or '..' (which would reach other vehicles' topics or leave the state folder). Default: <c>demo-car</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public string VehicleId
    {
        get => _vehicleId;
        set => _vehicleId = IsValidVehicleId(value)
            ? value
            : throw new ArgumentException($"Bus:VehicleId must be 1-64 letters, digits, '.', '_' or '-', without '..': not '{value}'", nameof(value));
    }

    /// <summary>
    /// The key the responder signs replies with (base64, ≥ 32 bytes; see <see cref="ReplySignature"/>).
    /// A suggested command in a reply without a valid signature is dropped (the answer still
    /// arrives), so with no key the car acts on no suggested command. The embedded cloud sets one
    /// per start.
    /// </summary>
    public string? ReplyKey { get; set; }

    /// <summary>First topic level.</summary>
    public string TopicRoot { get; set; } = "vehicles";

    /// <summary>The SQLite outbox file; empty: <c>$XDG_STATE_HOME|~/.local/state/vehicle-copilot/{VehicleId}/outbox.db</c>.</summary>
    public string? OutboxPath { get; set; }

    /// <summary>How long a question stays worth answering (its time-to-live, also across tunnels and restarts).</summary>
    public TimeSpan QueryTimeToLive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most pending queries; one more evicts the oldest.</summary>
    public int OutboxCapacity { get; set; } = 1000;

    /// <summary>
    /// Largest outbox file (default 64 MiB; 0: only the disk limits it). A query that would go past
    /// it, or meets a full disk, is refused with an explicit error; what was stored stays.
    /// </summary>
    public long OutboxMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>fsync every outbox write (power-cut safe) instead of crash-safe WAL with synchronous=NORMAL.</summary>
    public bool DurableOutbox { get; set; }

    /// <summary>Largest query or reply body; bigger queries are refused before sending, bigger replies dropped.</summary>
    public int MaxPayloadBytes { get; set; } = 128 * 1024;

    /// <summary>Most queries published and not yet acknowledged by the broker at once.</summary>
    public int MaxInFlight { get; set; } = 16;

    /// <summary>How long the broker keeps the car's session (and its replies) while the car is away.</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// A query the broker acknowledged but nobody answered within this is sent again (the broker
    /// may have lost it, e.g. killed before saving); the car drops the duplicate reply.
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The outbox path to use.</summary>
    public string ResolveOutboxPath()
    {
        if (!string.IsNullOrEmpty(OutboxPath))
        {
            return OutboxPath;
        }

        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "vehicle-copilot", VehicleId, "outbox.db");
    }

    private static bool IsValidVehicleId(string? id) =>
        id is { Length: > 0 and <= 64 }
        && !id.Contains("..", StringComparison.Ordinal)
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
