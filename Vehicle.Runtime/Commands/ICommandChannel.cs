using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// The real-time command channel: the one entry point from "text" to "the window moves". Every
/// request gets exactly one <see cref="CommandOutcome"/>; rejections are answered at once.
/// </summary>
public interface ICommandChannel : IAsyncDisposable
{
    /// <summary>Submits an utterance; completes with its outcome.</summary>
    ValueTask<CommandOutcome> SubmitAsync(string utterance, Seat speaker, CancellationToken cancellationToken = default);

    /// <summary>Submits a request (budget override, cloud proposal); completes with its outcome.</summary>
    ValueTask<CommandOutcome> SubmitAsync(CommandRequest request, CancellationToken cancellationToken = default);
}
