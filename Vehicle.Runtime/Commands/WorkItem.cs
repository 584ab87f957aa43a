using System.Diagnostics;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Commands;

/// <summary>A request on its way through the lanes; completed exactly once.</summary>
/// <param name="request">The request.</param>
/// <param name="admitted">Admission time (<see cref="TimeProvider.GetTimestamp"/>).</param>
/// <param name="deadline">The first deadline, in timestamp ticks.</param>
/// <param name="parent">The trace it belongs to.</param>
/// <param name="resumeOnLane">Whether what awaits the outcome runs on the thread that sets it (see <see cref="CommandChannel.SubmitOnLaneAsync"/>) rather than on the thread pool.</param>
/// <param name="cancellationToken">The caller's cancellation.</param>
internal sealed class WorkItem(CommandRequest request, long admitted, long deadline, ActivityContext parent, bool resumeOnLane, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<CommandOutcome> _outcome = new(resumeOnLane ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);

    public CommandRequest Request { get; } = request;

    /// <summary>Admission time (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long Admitted { get; } = admitted;

    /// <summary>Absolute deadline in timestamp ticks; re-based to the lane's budget once the lane is known.</summary>
    public long Deadline { get; set; } = deadline;

    /// <summary>When a lane's thread first started on it (0 until then).</summary>
    public long Started { get; set; }

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public ActivityContext Parent { get; } = parent;

    public Lane? Lane { get; set; }

    public Understanding? Understanding { get; set; }

    public Task<CommandOutcome> Outcome => _outcome.Task;

    /// <summary>Sets the outcome; false when it was already set (never twice).</summary>
    public bool TryComplete(CommandOutcome outcome) => _outcome.TrySetResult(outcome);
}
