namespace Vehicle.Runtime.Nlu;

/// <summary>Turns an utterance into an <see cref="Understanding"/>; <see cref="Understander"/> is the on-board one.</summary>
public interface IUtteranceUnderstander : IDisposable
{
    /// <summary>Understands one utterance spoken from <paramref name="speaker"/>'s seat; never throws on bad text.</summary>
    Understanding Understand(string? text, Seat speaker = Seat.Driver);

    /// <summary>A cheap, thread-safe guess of the utterance's lane, before it is understood.</summary>
    Catalog.Lane GuessLane(string? text);
}
