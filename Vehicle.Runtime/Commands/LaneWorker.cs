using System.Threading.Channels;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// One lane: a bounded <see cref="Channel{T}"/> for admission, one dedicated thread, and an
/// earliest-deadline-first heap. The thread never awaits: it sleeps on a semaphore that
/// <see cref="TryEnqueue"/> releases, drains the channel into the heap and always runs the
/// request whose deadline is nearest. So a lane depends on no lock another lane holds and not on
/// the thread pool: a starved pool or a saturated lane cannot hold it up.
/// </summary>
internal sealed class LaneWorker : IDisposable
{
    private readonly Channel<WorkItem> _queue;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly PriorityQueue<WorkItem, long> _heap = new();
    private readonly Action<WorkItem> _process;
    private readonly Action<WorkItem> _abandon;
    private readonly Action<WorkItem, Exception> _fail;
    private readonly TimeProvider _time;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;
    private WorkItem? _current;
    private long _serviceTicks;
    private readonly bool _spin;
    private volatile bool _abort;

    private readonly ManualResetEventSlim _ready = new();
    private readonly Action? _warmUp;

    /// <param name="name">For the thread's name and refusals.</param>
    /// <param name="capacity">Requests that may wait.</param>
    /// <param name="priority">The thread's priority.</param>
    /// <param name="time">Clock of admission control.</param>
    /// <param name="process">Runs one request on the lane's thread.</param>
    /// <param name="abandon">Answers a request left when the lane is aborted.</param>
    /// <param name="fail">Answers a request whose processing threw; must not throw itself.</param>
    /// <param name="spin">Poll instead of sleeping.</param>
    /// <param name="warmUp">Runs once on the lane's thread before it serves.</param>
    public LaneWorker(string name, int capacity, ThreadPriority priority, TimeProvider time, Action<WorkItem> process, Action<WorkItem> abandon, Action<WorkItem, Exception> fail, bool spin = false, Action? warmUp = null)
    {
        _fail = fail;
        _warmUp = warmUp;
        Name = name;
        _spin = spin;
        _time = time;
        _process = process;
        _abandon = abandon;
        _queue = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: full means rejected at once
            AllowSynchronousContinuations = false,
        });
        _thread = new Thread(Run) { IsBackground = true, Name = $"lane-{name}", Priority = priority };
        _thread.Start();
    }

    /// <summary>
    /// Waits until the lane's thread has warmed up (its session's first run on this thread,
    /// compiled code paths), so that its first request does not pay for it. Lanes warm up in parallel.
    /// </summary>
    public void WaitReady() => _ready.Wait();

    public string Name { get; }

    /// <summary>Requests admitted and not finished.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Completes when the thread has finished every admitted request.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>
    /// Admits a request, or says why not: the lane is full, or its recent service times say the
    /// request would finish after its deadline (doomed work is refused instead of queued).
    /// </summary>
    public string? TryEnqueue(WorkItem item)
    {
        // Only with work ahead of it: an idle lane starts a request at once, whatever it cost before.
        // A request whose outcome is already out is not ahead (its caller may be the one asking
        // now: the lane counts it finished a moment later). Read in this order: the lane counts a
        // request finished before it lets go of it.
        var service = Volatile.Read(ref _serviceTicks);
        var done = Volatile.Read(ref _current) is { Outcome.IsCompleted: true } ? 1 : 0;
        var ahead = Pending - done;
        if (ahead > 0 && service > 0 && _time.GetTimestamp() + ((ahead + 1) * service) > item.Deadline)
        {
            return $"deadline_unmeetable: {ahead} waiting on the {Name} lane at ~{_time.GetElapsedTime(0, service).TotalMilliseconds:F1} ms each";
        }

        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _pending);
            return _queue.Reader.Completion.IsCompleted || _abort ? "shutting_down" : $"queue_full: the {Name} lane is full";
        }

        _wake.Release();
        return null;
    }

    /// <summary>No new requests; those admitted are still run.</summary>
    public void Complete()
    {
        _queue.Writer.TryComplete();
        _wake.Release();
    }

    /// <summary>Whatever is still waiting gets abandoned (rejected) instead of run.</summary>
    public void Abort()
    {
        _abort = true;
        Complete();
    }

    public void Dispose()
    {
        _wake.Dispose();
        _ready.Dispose();
    }

    private void Run()
    {
        try
        {
            try
            {
                _warmUp?.Invoke();
            }
            finally
            {
                _ready.Set();
            }

            while (true)
            {
                if (_spin)
                {
                    // A dedicated core: poll instead of sleeping, so no kernel wake-up sits between
                    // admission and the start of the request.
                    while (_queue.Reader.Count == 0 && !_queue.Reader.Completion.IsCompleted)
                    {
                        Thread.SpinWait(32);
                    }
                }
                else
                {
                    _wake.Wait();
                }

                Drain();
                while (_heap.TryDequeue(out var item, out _))
                {
                    var started = _time.GetTimestamp();
                    Volatile.Write(ref _current, item);
                    try
                    {
                        if (_abort)
                        {
                            _abandon(item);
                        }
                        else
                        {
                            _process(item);
                        }
                    }
                    catch (Exception e)
                    {
                        // Whatever a request's processing throws (an outbox on a full disk, a profile
                        // writer, a bug), the request gets an outcome and the lane serves the next one.
                        _fail(item, e);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _pending);
                        Volatile.Write(ref _current, null);
                    }

                    // Exponentially weighted service time (1/8 new), for admission control.
                    var took = _time.GetTimestamp() - started;
                    var old = Volatile.Read(ref _serviceTicks);
                    Volatile.Write(ref _serviceTicks, old == 0 ? took : old + ((took - old) / 8));
                    Drain();
                }

                if (_queue.Reader.Completion.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void Drain()
    {
        while (_queue.Reader.TryRead(out var item))
        {
            _heap.Enqueue(item, item.Deadline);
        }
    }
}
