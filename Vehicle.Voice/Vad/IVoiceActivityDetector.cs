namespace Vehicle.Voice.Vad;

/// <summary>Speech probability per 32 ms frame (512 samples at 16 kHz). Stateful: one per audio stream.</summary>
public interface IVoiceActivityDetector : IDisposable
{
    /// <summary>Samples per frame.</summary>
    const int FrameSamples = 512;

    /// <summary>Short name for logs and reports (<c>silero-v5</c>, <c>energy</c>).</summary>
    string Name { get; }

    /// <summary>The probability that <paramref name="frame"/> (exactly <see cref="FrameSamples"/> samples) is speech.</summary>
    float Process(ReadOnlySpan<short> frame);

    /// <summary>Forgets the stream so far.</summary>
    void Reset();
}
