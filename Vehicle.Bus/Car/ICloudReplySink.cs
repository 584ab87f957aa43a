namespace Vehicle.Bus.Car;

/// <summary>Where the bus hands what comes back for the car's queries (the runtime).</summary>
public interface ICloudReplySink
{
    /// <summary>
    /// A reply, once per query. Before this is called the reply is recorded and its query removed
    /// (one transaction), and a suggested command is struck from the record: a command is handed
    /// over at most once, even across a crash; an answer whose hand-over a crash interrupted is
    /// handed over again after the restart, without its command. An exception is logged and counted;
    /// the question is not asked again.
    /// </summary>
    ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken);

    /// <summary>A query that left the outbox without an answer (expired or evicted): tell the user.</summary>
    void OnDropped(BusQuery query, QueryDropReason reason);
}

/// <summary>What <see cref="VehicleBusClient.Enqueue"/> did.</summary>
public enum EnqueueStatus
{
    /// <summary>Stored and on its way (connected).</summary>
    Sent,

    /// <summary>Stored; offline, it goes when the connection is back.</summary>
    Queued,

    /// <summary>Not stored; <see cref="EnqueueResult.Error"/> says why.</summary>
    Refused,
}

/// <summary>The result of handing a query to the bus.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Error">Why it was refused.</param>
public readonly record struct EnqueueResult(EnqueueStatus Status, string? Error = null);
