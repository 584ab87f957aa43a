using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Commands;

/// <summary>Where the cloud lane hands world questions (the MQTT bus, when configured).</summary>
public interface ICloudGateway
{
    /// <summary>Takes a query without blocking; says whether it was sent, queued while offline, or refused (and why).</summary>
    CloudHandoffResult Enqueue(CloudQuery query);
}

/// <summary>What the gateway did with a query, and why when it refused it.</summary>
/// <param name="Status">Sent, queued or refused.</param>
/// <param name="Reason">For a refusal: why (machine-readable first word, e.g. <c>egress_guard: ...</c>).</param>
public readonly record struct CloudHandoffResult(CloudHandoff Status, string? Reason = null)
{
    /// <summary>A result without a reason.</summary>
    public static implicit operator CloudHandoffResult(CloudHandoff status) => new(status);

    /// <summary>A result without a reason.</summary>
    public static CloudHandoffResult FromCloudHandoff(CloudHandoff status) => new(status);
}

/// <summary>A world question for the cloud model.</summary>
/// <param name="Id">Unique id (the MQTT correlation data).</param>
/// <param name="Text">The question.</param>
/// <param name="Speaker">Who asked.</param>
/// <param name="Deadline">When the answer stops being useful.</param>
public sealed record CloudQuery(Guid Id, string Text, Seat Speaker, DateTimeOffset Deadline);

/// <summary>What the gateway did with a query.</summary>
public enum CloudHandoff
{
    /// <summary>On its way to the cloud.</summary>
    Sent,

    /// <summary>Offline: stored, sent when the connection is back.</summary>
    Queued,

    /// <summary>Not taken (e.g. the store is full).</summary>
    Refused,
}
