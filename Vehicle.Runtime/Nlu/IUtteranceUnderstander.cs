namespace Vehicle.Runtime.Nlu;

/// <summary>Turns an utterance into an <see cref="Understanding"/>; <see cref="Understander"/> is the on-board one.</summary>
public interface IUtteranceUnderstander : IDisposable
{
    /// <summary>Understands one utterance spoken from <paramref name="speaker"/>'s seat; never throws on bad text.</summary>
    Understanding Understand(string? text, Seat speaker = Seat.Driver);
}
