using System.Threading.Channels;

namespace Vehicle.Runtime.Vehicle;

/// <summary>A subscription to signal changes; dispose it to stop receiving them.</summary>
public sealed class SignalSubscription : IDisposable
{
    private readonly Action _unsubscribe;
    private int _disposed;

    internal SignalSubscription(ChannelReader<SignalChange> changes, Action unsubscribe)
    {
        Changes = changes;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The changes, in the order they were written.</summary>
    public ChannelReader<SignalChange> Changes { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _unsubscribe();
        }
    }
}
