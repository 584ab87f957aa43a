namespace Vehicle.Voice.Asr;

/// <summary>
/// Speech to text for one utterance (16 kHz mono PCM, trimmed to the speech by the endpointer). An
/// OEM can plug in another engine (for example Whisper through Whisper.net with their own model).
/// </summary>
public interface ISpeechRecognizer : IDisposable
{
    /// <summary>Short name for logs and reports.</summary>
    string Name { get; }

    /// <summary>Recognises one utterance.</summary>
    Recognition Recognize(ReadOnlySpan<short> audio);
}

/// <summary>
/// A recogniser that decodes while the driver speaks, so that at the end of speech only the last
/// frames remain: <see cref="Begin"/> at the start of speech, <see cref="Feed"/> every frame after
/// it, <see cref="Finish"/> when the endpointer decides (or <see cref="Cancel"/> when it drops the
/// burst).
/// </summary>
public interface IStreamingSpeechRecognizer : ISpeechRecognizer
{
    /// <summary>Starts an utterance.</summary>
    void Begin();

    /// <summary>Decodes the next audio of the utterance.</summary>
    void Feed(ReadOnlySpan<short> audio);

    /// <summary>Ends the utterance; <paramref name="utterance"/> is all of its audio (for a second pass on rejected speech).</summary>
    Recognition Finish(ReadOnlySpan<short> utterance);

    /// <summary>Drops the utterance in progress, if any.</summary>
    void Cancel();
}

/// <summary>What the recogniser heard.</summary>
/// <param name="Transcript">The command the grammar matched, when <paramref name="Accepted"/>.</param>
/// <param name="Accepted">True when the on-board grammar matched with enough confidence to act on it.</param>
/// <param name="Confidence">Engine-specific confidence (PocketSphinx: grammar minus phone-loop score per frame of speech).</param>
/// <param name="FreeForm">When not accepted: a free-form transcript for the cloud, if the engine has one.</param>
/// <param name="Elapsed">Recognition time.</param>
public sealed record Recognition(string? Transcript, bool Accepted, double Confidence, string? FreeForm, TimeSpan Elapsed);
