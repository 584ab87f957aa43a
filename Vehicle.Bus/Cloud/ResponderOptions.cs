using Vehicle.Bus.Mqtt;

namespace Vehicle.Bus.Cloud;

/// <summary>The cloud responder (configuration section <c>Responder</c>).</summary>
public sealed class ResponderOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Responder";

    /// <summary>Broker address, TLS and credentials.</summary>
    public BrokerOptions Connection { get; set; } = new();

    /// <summary>MQTT client id; each responder of a group needs its own. Empty: <c>responder-{machine}-{pid}</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>Shared-subscription group: responders in one group split the queries between them.</summary>
    public string Group { get; set; } = "copilot";

    /// <summary>First topic level of the vehicles' topics.</summary>
    public string TopicRoot { get; set; } = "vehicles";

    /// <summary>
    /// The key replies are signed with (base64, ≥ 32 bytes; see <see cref="ReplySignature"/>): the
    /// cars act on suggested commands only from a responder that has their key. Empty: unsigned
    /// replies (their suggested commands are dropped by the cars).
    /// </summary>
    public string? ReplyKey { get; set; }

    /// <summary>Questions answered at once.</summary>
    public int Workers { get; set; } = 16;

    /// <summary>Largest query body accepted.</summary>
    public int MaxPayloadBytes { get; set; } = 128 * 1024;

    /// <summary><c>offline</c> (built-in, deterministic) or <c>chat</c> (OpenAI-compatible endpoint).</summary>
    public string Backend { get; set; } = "offline";

    /// <summary>Built-in backend settings.</summary>
    public OfflineBackendOptions Offline { get; set; } = new();

    /// <summary>Chat endpoint settings.</summary>
    public ChatBackendOptions Chat { get; set; } = new();

    /// <summary>The shared subscription filter, e.g. <c>$share/copilot/vehicles/+/copilot/query</c>.</summary>
    public string Filter => $"$share/{Group}/{TopicRoot}/+/copilot/query";
}
