using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

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
/// <param name="Conversation">
/// The conversation it belongs to (dialogue state: follow-ups, questions asked back,
/// confirmations). Default: one conversation per seat.
/// </param>
/// <param name="Confirmed">The driver confirmed this command (after the copilot asked): the policy does not ask again.</param>
/// <param name="Restore">For an undo: the signal values to put back, checked by the policy.</param>
/// <param name="UnderstandOnly">Understand it and stop: the outcome carries the understanding and nothing is planned or actuated (the dialogue's look at the parts of "X and Y").</param>
public sealed record CommandRequest(
    string Utterance,
    Seat Speaker = Seat.Driver,
    TimeSpan? Budget = null,
    Understanding? Proposal = null,
    bool FromCloud = false,
    string? Conversation = null,
    bool Confirmed = false,
    IReadOnlyList<Actuation>? Restore = null,
    bool UnderstandOnly = false);
