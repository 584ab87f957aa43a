using System.Diagnostics.Metrics;

namespace Vehicle.Bus.Car;

/// <summary>Counters of the car's bus client (also exported as OpenTelemetry metrics, on the client's meter).</summary>
public sealed class BusStatistics
{
    private static readonly string[] Names = [.. Enum.GetValues<BusEvent>().Select(e => e.ToString().ToLowerInvariant())];

    private readonly long[] _counts = new long[Names.Length];
    private readonly Counter<long> _queries;
    private readonly Counter<long> _dropped;

    internal BusStatistics(Meter meter)
    {
        _queries = meter.CreateCounter<long>("bus.queries", description: "Queries by what became of them (sent, queued, answered, expired, evicted, refused).");
        _dropped = BusTelemetry.CreateDroppedCounter(meter);
    }

    /// <summary>Queries taken into the outbox.</summary>
    public long Enqueued => Interlocked.Read(ref _counts[(int)BusEvent.Enqueued]);

    /// <summary>Queries taken while offline.</summary>
    public long QueuedOffline => Interlocked.Read(ref _counts[(int)BusEvent.QueuedOffline]);

    /// <summary>PUBLISH packets acknowledged by the broker (resends included).</summary>
    public long Published => Interlocked.Read(ref _counts[(int)BusEvent.Published]);

    /// <summary>Replies handed to the runtime.</summary>
    public long Answered => Interlocked.Read(ref _counts[(int)BusEvent.Answered]);

    /// <summary>Queries whose time-to-live ran out.</summary>
    public long Expired => Interlocked.Read(ref _counts[(int)BusEvent.Expired]);

    /// <summary>Queries evicted from a full outbox.</summary>
    public long Evicted => Interlocked.Read(ref _counts[(int)BusEvent.Evicted]);

    /// <summary>Queries refused (too large, disposed).</summary>
    public long Refused => Interlocked.Read(ref _counts[(int)BusEvent.Refused]);

    /// <summary>Queries the egress guard refused to publish (personal data).</summary>
    public long Blocked => Interlocked.Read(ref _counts[(int)BusEvent.Blocked]);

    /// <summary>Replies for a query already answered (QoS 1 redelivery, resends), dropped.</summary>
    public long DuplicateReplies => Interlocked.Read(ref _counts[(int)BusEvent.Duplicate]);

    /// <summary>Replies with a correlation id this car never asked (or forgot), dropped.</summary>
    public long UnknownReplies => Interlocked.Read(ref _counts[(int)BusEvent.Unknown]);

    /// <summary>Replies that are not the expected JSON or lack correlation data, dropped.</summary>
    public long MalformedReplies => Interlocked.Read(ref _counts[(int)BusEvent.Malformed]);

    /// <summary>Replies over the payload limit, dropped.</summary>
    public long OversizedReplies => Interlocked.Read(ref _counts[(int)BusEvent.Oversized]);

    /// <summary>Messages on a topic the car does not expect, dropped.</summary>
    public long WrongTopic => Interlocked.Read(ref _counts[(int)BusEvent.WrongTopic]);

    /// <summary>Successful connections (the first one included).</summary>
    public long Connects => Interlocked.Read(ref _counts[(int)BusEvent.Connected]);

    /// <summary>Suggested commands dropped because their reply was not signed by a responder with the car's key.</summary>
    public long UnauthenticatedCommands => Interlocked.Read(ref _counts[(int)BusEvent.UnauthenticatedCommand]);

    /// <summary>Exceptions the client's background work caught, reported and survived (a throwing sink, a storage error).</summary>
    public long LoopErrors => Interlocked.Read(ref _counts[(int)BusEvent.LoopError]);

    internal void Count(BusEvent what)
    {
        Interlocked.Increment(ref _counts[(int)what]);
        var name = Names[(int)what];
        if (what is BusEvent.Duplicate or BusEvent.Unknown or BusEvent.Malformed or BusEvent.Oversized or BusEvent.WrongTopic or BusEvent.UnauthenticatedCommand)
        {
            _dropped.Add(1, new KeyValuePair<string, object?>("reason", name));
        }
        else if (what is not BusEvent.Connected and not BusEvent.Published and not BusEvent.LoopError)
        {
            _queries.Add(1, new KeyValuePair<string, object?>("result", name));
        }
    }
}

/// <summary>What the statistics count.</summary>
internal enum BusEvent
{
    Enqueued,
    QueuedOffline,
    Published,
    Answered,
    Expired,
    Evicted,
    Refused,
    Blocked,
    Duplicate,
    Unknown,
    Malformed,
    Oversized,
    WrongTopic,
    Connected,
    LoopError,
    UnauthenticatedCommand,
}
