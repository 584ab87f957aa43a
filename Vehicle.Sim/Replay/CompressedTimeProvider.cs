using System.Diagnostics;

namespace Vehicle.Sim.Replay;

/// <summary>
/// The replay's default clock: it runs at the speed of the real monotonic clock, so every latency
/// it measures is work really done on this machine, and it jumps forward only when told to
/// (<see cref="JumpTo"/>), which the replay does only when the system is idle (nothing queued,
/// running, connecting or being answered). Timers run on this clock: one that falls due as real
/// time passes fires on the thread pool, like a system timer; the ones a jump passes fire in due
/// order on the jumping thread, before the jump returns.
/// </summary>
public sealed class CompressedTimeProvider : TimeProvider, IDisposable
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<(Entry Entry, int Version), (long Due, long Sequence)> _timers = new();
    private readonly DateTimeOffset _start;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _scheduler;
    private long _offset;
    private long _sequence;
    private volatile bool _disposed;

    /// <summary>A clock that reads <paramref name="start"/> now.</summary>
    public CompressedTimeProvider(DateTimeOffset start)
    {
        _start = start;
        _scheduler = new Thread(Run) { IsBackground = true, Name = "compressed-clock" };
        _scheduler.Start();
    }

    /// <summary>How far the clock has jumped ahead of the real clock, in all.</summary>
    public TimeSpan Jumped => TimeSpan.FromSeconds(Volatile.Read(ref _offset) / (double)Stopwatch.Frequency);

    /// <summary>When the earliest timer falls due, or null when none is set.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return Peek() is { } due ? ToUtc(due) : null;
            }
        }
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => Stopwatch.Frequency;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc/>
    public override long GetTimestamp() => Stopwatch.GetTimestamp() + Volatile.Read(ref _offset);

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => ToUtc(GetTimestamp());

    /// <summary>
    /// Moves the clock forward to <paramref name="target"/> at once (never back) and fires, in due
    /// order and on this thread, every timer the jump passes (or that is due now).
    /// </summary>
    /// <returns>How many timers fired.</returns>
    public int JumpTo(DateTimeOffset target)
    {
        List<Entry> due = [];
        lock (_gate)
        {
            // A DateTimeOffset counts 100 ns ticks and the clock finer ones: the jump covers the whole
            // tick the target names, so jumping to NextDue (rounded down to its tick) reaches that timer.
            var goal = _origin + (long)((Int128)((target - _start).Ticks + 1) * Stopwatch.Frequency / TimeSpan.TicksPerSecond) - 1;
            var ahead = goal - GetTimestamp();
            if (ahead > 0)
            {
                Interlocked.Add(ref _offset, ahead);
            }

            var now = GetTimestamp();
            while (TakeDue(now) is { } entry)
            {
                due.Add(entry);
            }
        }

        foreach (var entry in due)
        {
            entry.Fire();
        }

        _wake.Set();
        return due.Count;
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var entry = new Entry(this, callback, state);
        entry.Change(dueTime, period);
        return entry;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _wake.Set();
        _scheduler.Join();
        _wake.Dispose();
    }

    private DateTimeOffset ToUtc(long timestamp) => _start + TimeSpan.FromSeconds((timestamp - _origin) / (double)Stopwatch.Frequency);

    private void Schedule(Entry entry, long due)
    {
        lock (_gate)
        {
            entry.Version++;
            if (due != long.MaxValue)
            {
                _timers.Enqueue((entry, entry.Version), (due, _sequence++));
            }
        }

        _wake.Set();
    }

    private void Cancel(Entry entry)
    {
        lock (_gate)
        {
            entry.Version++;
        }
    }

    /// <summary>The earliest live timer's due time (dropping cancelled ones); under the lock.</summary>
    private long? Peek()
    {
        while (_timers.TryPeek(out var top, out var key))
        {
            if (top.Version == top.Entry.Version)
            {
                return key.Due;
            }

            _timers.Dequeue();
        }

        return null;
    }

    /// <summary>Takes the earliest timer if it is due by <paramref name="now"/>, rescheduling a periodic one; under the lock.</summary>
    private Entry? TakeDue(long now)
    {
        if (Peek() is not { } due || due > now)
        {
            return null;
        }

        var (entry, _) = _timers.Dequeue();
        entry.Version++;
        if (entry.Period > 0)
        {
            // One firing per jump or wake-up: a periodic timer never fires in a burst to catch up.
            _timers.Enqueue((entry, entry.Version), (Math.Max(due + entry.Period, now + 1), _sequence++));
        }

        return entry;
    }

    /// <summary>Fires timers that fall due as real time passes, on the thread pool, like system timers.</summary>
    private void Run()
    {
        while (!_disposed)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = GetTimestamp();
                while (TakeDue(now) is { } entry)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static e => e.Fire(), entry, preferLocal: false);
                }

                wait = Peek() is { } next
                    ? TimeSpan.FromSeconds(Math.Min((next - now) / (double)Stopwatch.Frequency, 60))
                    : TimeSpan.FromSeconds(60);
            }

            _wake.WaitOne(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
        }
    }

    private sealed class Entry(CompressedTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public int Version { get; set; }

        public long Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? 0 : (long)(period.TotalSeconds * Stopwatch.Frequency);
            clock.Schedule(this, dueTime == Timeout.InfiniteTimeSpan
                ? long.MaxValue
                : clock.GetTimestamp() + (long)(Math.Max(0, dueTime.TotalSeconds) * Stopwatch.Frequency));
            return true;
        }

        public void Dispose() => clock.Cancel(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
