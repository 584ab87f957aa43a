using Vehicle.Bus.Mqtt;

namespace Vehicle.Runtime.Cloud;

/// <summary>
/// A broker and cloud responder running beside the car (in the same process, on loopback), for
/// <see cref="CloudMode.Embedded"/>: the car's bus client connects with <paramref name="Connection"/>,
/// takes suggested commands only from replies signed with <paramref name="ReplyKey"/>, and
/// disposes <paramref name="Lifetime"/> after its own client.
/// </summary>
/// <param name="Connection">Where and as whom the car connects (<c>mqtt://127.0.0.1:port</c>, the car's account of this start).</param>
/// <param name="ReplyKey">The responder's signing key of this start (null: the car acts on no suggested command).</param>
/// <param name="Lifetime">Stops the broker and the responder.</param>
public sealed record EmbeddedCloudLink(BrokerOptions Connection, string? ReplyKey, IAsyncDisposable Lifetime);
