using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>What became of one request.</summary>
/// <param name="Kind">The outcome.</param>
/// <param name="Utterance">The request's text.</param>
/// <param name="Lane">The lane that handled it, once known.</param>
/// <param name="Understanding">What the utterance was understood as, once understood.</param>
/// <param name="Actuations">What was applied to the vehicle (empty unless executed).</param>
/// <param name="Response">What to say to the user.</param>
/// <param name="Reason">Why, for refused, rejected, deadline_missed and failed (machine-readable first word).</param>
/// <param name="QueueWait">Admission to a lane's thread first starting on it (the channel's own overhead plus queueing).</param>
/// <param name="Total">Admission to outcome.</param>
/// <param name="CloudQueryId">For routed_cloud: the query's id, which its later <see cref="CloudResult"/> carries.</param>
public sealed record CommandOutcome(
    OutcomeKind Kind,
    string Utterance,
    Lane? Lane,
    Understanding? Understanding,
    IReadOnlyList<Actuation> Actuations,
    string Response,
    string? Reason,
    TimeSpan QueueWait,
    TimeSpan Total,
    Guid? CloudQueryId = null)
{
    /// <summary>For <see cref="OutcomeKind.Asked"/>: what the copilot waits for.</summary>
    public Awaiting? Awaiting { get; init; }

    /// <summary>True when the request was understood with the conversation's context (a follow-up, an answer to a question).</summary>
    public bool Context { get; init; }

    /// <summary>For an utterance with several commands ("turn on the ac and close the windows"): each command's own outcome, in order; this outcome is the first's.</summary>
    public IReadOnlyList<CommandOutcome> Commands { get; init; } = [];

    /// <summary>For executed: each actuated signal's value just before the actuation, in the order of <see cref="Actuations"/> (what an undo restores).</summary>
    public IReadOnlyList<Actuation> Previous { get; init; } = [];
}

/// <summary>What an <see cref="OutcomeKind.Asked"/> outcome waits for.</summary>
/// <param name="Kind"><c>slot</c>, <c>confirmation</c> or <c>choice</c>.</param>
/// <param name="Intent">The command that waits.</param>
/// <param name="Slot">For <c>slot</c>: the slot to fill; for <c>choice</c>: the slot the choice fills.</param>
/// <param name="Options">For <c>choice</c>: what to choose from, in the order they were said ("the second one").</param>
public sealed record Awaiting(string Kind, string Intent, string? Slot = null, IReadOnlyList<string>? Options = null);
