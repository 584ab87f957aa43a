using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Commands;

/// <summary>A request to the command channel.</summary>
/// <param name="Utterance">What was said.</param>
/// <param name="Speaker">Where the speaker sits (defaults such as "my window" follow it).</param>
/// <param name="Budget">Overrides the lane budget for this request (the deadline is admission + budget).</param>
/// <param name="Proposal">
/// A command proposed by someone else (the cloud model), already understood. It skips
/// understanding but goes through the same lanes and the same safety policy: the cloud may
/// suggest, the car decides.
/// </param>
/// <param name="FromCloud">
/// An action suggested in a cloud reply, in words: understood and checked on board like a spoken
/// command, but never sent back to the cloud (no loops).
/// </param>
public sealed record CommandRequest(string Utterance, Seat Speaker = Seat.Driver, TimeSpan? Budget = null, Understanding? Proposal = null, bool FromCloud = false);
