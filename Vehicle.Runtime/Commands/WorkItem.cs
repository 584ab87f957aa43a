using System.Diagnostics;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Commands;

/// <summary>A request on its way through the lanes; completed exactly once.</summary>
internal sealed class WorkItem(CommandRequest request, long admitted, long deadline, ActivityContext parent, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<CommandOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
