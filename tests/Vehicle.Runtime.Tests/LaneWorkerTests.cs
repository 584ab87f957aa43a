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
        using var gate = new ManualResetEventSlim(false);
        using var lane = new LaneWorker("critical", 8, ThreadPriority.Normal, time, Process, _ => { }, (_, _) => { });
        lane.WaitReady();

        var first = Item(time, TimeSpan.FromMilliseconds(50), Plain);
        Assert.Null(lane.TryEnqueue(first));
        await first.Outcome; // the lane's service time is now 25 ms

        var second = Item(time, TimeSpan.FromMilliseconds(50), Lingers);
        Assert.Null(lane.TryEnqueue(second));
        await second.Outcome;
        Assert.Equal(1, lane.Pending);

        var third = Item(time, TimeSpan.FromMilliseconds(40), Plain);
        Assert.Null(lane.TryEnqueue(third));
        gate.Set();
        await third.Outcome; // the worker is past the second one's gate: it served the third after it

        // Work really ahead still counts: one held in service with its outcome not out.
        gate.Reset();
        var blocked = Item(time, TimeSpan.FromMilliseconds(50), Held);
        Assert.Null(lane.TryEnqueue(blocked));
        var refused = lane.TryEnqueue(Item(time, TimeSpan.FromMilliseconds(40), Plain));
        Assert.StartsWith("deadline_unmeetable: 1 waiting", refused, StringComparison.Ordinal);
        gate.Set();
        await blocked.Outcome;
        lane.Complete();
        await lane.Stopped;

        // Plain: the outcome, then out of service; Lingers: the outcome, then in service until the gate
        // opens; Held: in service until the gate opens, then the outcome. Each takes 25 ms of fake time.
        void Process(WorkItem item)
        {
            time.Advance(Service);
            switch (item.Request.Utterance)
            {
                case Lingers:
                    Complete(item);
                    gate.Wait();
                    break;
                case Held:
                    gate.Wait();
                    Complete(item);
                    break;
                default:
                    Complete(item);
                    break;
            }
        }
    }

    private const string Plain = "lock the doors";
    private const string Lingers = "lingers";
    private const string Held = "held";

    private static WorkItem Item(FakeTimeProvider time, TimeSpan budget, string utterance)
    {
        var now = time.GetTimestamp();
        return new WorkItem(new CommandRequest(utterance, Nlu.Seat.Driver), now, now + (long)(budget.TotalSeconds * time.TimestampFrequency), default(ActivityContext), resumeOnLane: false, CancellationToken.None);
    }

    private static void Complete(WorkItem item) =>
        item.TryComplete(new CommandOutcome(OutcomeKind.Executed, item.Request.Utterance, null, null, [], "Done.", null, TimeSpan.Zero, Service));
}
