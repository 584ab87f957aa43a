namespace Vehicle.Bus.Cloud;

/// <summary>Counters of one responder.</summary>
public sealed class ResponderStatistics
{
    private long _answered;
    private long _failed;
    private long _expired;
    private long _rejected;
    private long _abandoned;

    /// <summary>Replies published with an answer.</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Replies published with an error (backend failure, bad request).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Queries dropped because their expiry passed before the answer was ready.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Messages dropped without a reply (bad topic or response topic, oversized).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Answers not sent because the connection their query came on dropped meanwhile (the query comes again).</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    internal void CountAbandoned() => Interlocked.Increment(ref _abandoned);

    internal void CountAnswered() => Interlocked.Increment(ref _answered);

    internal void CountFailed() => Interlocked.Increment(ref _failed);

    internal void CountExpired() => Interlocked.Increment(ref _expired);

    internal void CountRejected() => Interlocked.Increment(ref _rejected);
}
