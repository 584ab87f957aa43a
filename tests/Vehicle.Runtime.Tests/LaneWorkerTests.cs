using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Vehicle.Runtime.Commands;

namespace Vehicle.Runtime.Tests;

/// <summary>A lane's admission control, on a fake clock.</summary>
public sealed class LaneWorkerTests
{
    private static readonly TimeSpan Service = TimeSpan.FromMilliseconds(25);

    [Fact]
    public async Task ARequestWhoseOutcomeIsOut_IsNotCountedAheadOfTheNextOne()
    {
        // A driver's next command comes as soon as the last one's outcome is out; the lane counts
        // that one finished a moment later. It must not be counted as work ahead of the next one
        // (25 ms each: 2 x 25 ms would not fit the next one's 40 ms, 1 x 25 ms does).
        var time = new FakeTimeProvider();
        using var hold = new ManualResetEventSlim(true);
        using var lane = new LaneWorker("critical", 8, ThreadPriority.Normal, time, Process, _ => { }, (_, _) => { });
        lane.WaitReady();

        var first = Item(time, TimeSpan.FromMilliseconds(50));
        Assert.Null(lane.TryEnqueue(first));
        await first.Outcome; // the lane's service time is now 25 ms

        hold.Reset(); // the next one stays in service after its outcome is out
        var second = Item(time, TimeSpan.FromMilliseconds(50));
        Assert.Null(lane.TryEnqueue(second));
        await second.Outcome;
        Assert.Equal(1, lane.Pending);

        var third = Item(time, TimeSpan.FromMilliseconds(40));
        Assert.Null(lane.TryEnqueue(third));
        hold.Set();
        await third.Outcome;

        // Work really ahead still counts: one held in service with its outcome not out.
        var blocked = Item(time, TimeSpan.FromMilliseconds(50), complete: false);
        hold.Reset();
        Assert.Null(lane.TryEnqueue(blocked));
        var refused = lane.TryEnqueue(Item(time, TimeSpan.FromMilliseconds(40)));
        Assert.StartsWith("deadline_unmeetable: 1 waiting", refused, StringComparison.Ordinal);
        hold.Set();
        await blocked.Outcome;
        lane.Complete();
        await lane.Stopped;

        void Process(WorkItem item)
        {
            time.Advance(Service);
            if (item.Request.Utterance != "held")
            {
                Complete(item);
            }

            hold.Wait();
            Complete(item);
        }
    }

    private static WorkItem Item(FakeTimeProvider time, TimeSpan budget, bool complete = true)
    {
        var now = time.GetTimestamp();
        return new WorkItem(new CommandRequest(complete ? "lock the doors" : "held", Nlu.Seat.Driver), now, now + (long)(budget.TotalSeconds * time.TimestampFrequency), default(ActivityContext), CancellationToken.None);
    }

    private static void Complete(WorkItem item) =>
        item.TryComplete(new CommandOutcome(OutcomeKind.Executed, item.Request.Utterance, null, null, [], "Done.", null, TimeSpan.Zero, Service));
}
