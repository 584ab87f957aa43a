using System.Collections.Concurrent;
using Vehicle.Bus.Car;

namespace Vehicle.Bus.Tests;

/// <summary>The runtime's stand-in: records every reply and dropped query.</summary>
public sealed class RecordingSink : ICloudReplySink, IDisposable
{
    public ConcurrentQueue<BusReply> Replies { get; } = new();

    public ConcurrentQueue<(BusQuery Query, QueryDropReason Reason)> Dropped { get; } = new();

    public Signal Changed { get; } = new();

    public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
    {
        Replies.Enqueue(reply);
        Changed.Pulse();
        return ValueTask.CompletedTask;
    }

    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
        Dropped.Enqueue((query, reason));
        Changed.Pulse();
    }

    public Task WaitForRepliesAsync(int count, int limitSeconds = 30) =>
        Changed.WaitAsync(() => Replies.Count >= count, $"{count} replies (have {Replies.Count})", limitSeconds);

    public void Dispose() => Changed.Dispose();
}
