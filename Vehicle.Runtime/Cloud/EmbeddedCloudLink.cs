namespace Vehicle.Runtime.Cloud;

/// <summary>
/// A broker and cloud responder running beside the car (in the same process, on loopback), for
/// <see cref="CloudMode.Embedded"/>: the car's bus client connects to <paramref name="Broker"/>,
/// and the car disposes <paramref name="Lifetime"/> after its own client.
/// </summary>
/// <param name="Broker">Where the car connects (<c>mqtt://127.0.0.1:port</c>).</param>
/// <param name="Lifetime">Stops the broker and the responder.</param>
public sealed record EmbeddedCloudLink(Uri Broker, IAsyncDisposable Lifetime);
