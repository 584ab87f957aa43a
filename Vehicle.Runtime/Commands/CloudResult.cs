using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Commands;

/// <summary>What finally became of a world question after its routed_cloud outcome.</summary>
/// <param name="QueryId">The id in the routed_cloud outcome (<see cref="CommandOutcome.CloudQueryId"/>).</param>
/// <param name="Question">What was asked (also for questions asked before a restart).</param>
/// <param name="Speaker">Who asked.</param>
/// <param name="Kind">answered, failed (the cloud could not answer, or the query was evicted) or expired.</param>
/// <param name="Response">What to say to the user.</param>
/// <param name="Reason">Why, for failed and expired.</param>
/// <param name="Action">The outcome of an action the cloud suggested, run through the car's own policy.</param>
public sealed record CloudResult(Guid QueryId, string Question, Seat Speaker, OutcomeKind Kind, string Response, string? Reason, CommandOutcome? Action);
