using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Vehicle.Copilot.V1;

namespace Vehicle.Runtime.Cli.Serve;

/// <summary>
/// Fans every event out to the <c>Events</c> streams open now. A subscriber that reads too slowly
/// loses its oldest events, never anybody else's, and its next event says how many it lost.
/// Publishing never blocks (it runs on lane and bus threads).
/// </summary>
internal sealed class EventHub(int buffer, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<Subscriber> _subscribers = [];

    /// <summary>The streams open now.</summary>
    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Stamps <paramref name="event"/> with the time and hands it to every subscriber.</summary>
    public void Publish(Event @event)
    {
        @event.Time = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Events.Writer.TryWrite(@event);
            }
        }
    }

    /// <summary>A new subscription; dispose it to leave.</summary>
    public Subscriber Subscribe()
    {
        var subscriber = new Subscriber(this, buffer);
        lock (_gate)
        {
            _subscribers.Add(subscriber);
        }

        return subscriber;
    }

    /// <summary>Ends every stream (the service is stopping).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Events.Writer.TryComplete();
            }
        }
    }

    private void Leave(Subscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscriber);
        }
    }

    /// <summary>One open <c>Events</c> stream.</summary>
    internal sealed class Subscriber : IDisposable
    {
        private readonly EventHub _hub;
        private long _dropped;

        public Subscriber(EventHub hub, int buffer)
        {
            _hub = hub;
            Events = Channel.CreateBounded<Event>(
                new BoundedChannelOptions(buffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => Interlocked.Increment(ref _dropped));
        }

        public Channel<Event> Events { get; }

        /// <summary>Events dropped since the last call.</summary>
        public ulong TakeDropped() => (ulong)Interlocked.Exchange(ref _dropped, 0);

        public void Dispose()
        {
            _hub.Leave(this);
            Events.Writer.TryComplete();
        }
    }
}
