namespace Vehicle.Voice.Vad;

/// <summary>One utterance found in the audio, in samples from the start of the stream.</summary>
/// <param name="Start">First sample of the first speech frame.</param>
/// <param name="End">Last sample (exclusive) of the last speech frame: the end of speech.</param>
/// <param name="DecidedAt">The sample at which the endpointer decided the utterance was over.</param>
/// <param name="Truncated">True when it hit the maximum utterance length.</param>
public sealed record SpeechSegment(long Start, long End, long DecidedAt, bool Truncated);

/// <summary>
/// Turns per-frame speech probabilities into utterances, with hysteresis: speech starts at a frame
/// of probability ≥ <see cref="EndpointOptions.SpeechThreshold"/>, frames under
/// <see cref="EndpointOptions.SilenceThreshold"/> count as silence, and the utterance ends after
/// <see cref="EndpointOptions.TrailingSilence"/> of it, or at <see cref="EndpointOptions.MaxUtterance"/>.
/// Bursts shorter than <see cref="EndpointOptions.MinSpeech"/> are dropped (a cough, a door).
/// </summary>
public sealed class Endpointer(EndpointOptions options)
{
    private const int Frame = IVoiceActivityDetector.FrameSamples;
    private readonly long _trailing = Samples(options.TrailingSilence);
    private readonly long _maximum = Samples(options.MaxUtterance);
    private readonly long _minimum = Samples(options.MinSpeech);
    private long _position;
    private long _start = -1;
    private long _lastSpeech;
    private long _speech;

    /// <summary>Whether an utterance is in progress.</summary>
    public bool InSpeech => _start >= 0;

    /// <summary>Samples seen so far.</summary>
    public long Position => _position;

    /// <summary>Takes the next frame's probability; returns an utterance when one just ended.</summary>
    public SpeechSegment? Push(float probability)
    {
        var frameStart = _position;
        _position += Frame;
        if (_start < 0)
        {
            if (probability >= options.SpeechThreshold)
            {
                _start = frameStart;
                _lastSpeech = _position;
                _speech = Frame;
            }

            return null;
        }

        if (probability >= options.SilenceThreshold)
        {
            _lastSpeech = _position;
            _speech += Frame;
        }

        var truncated = _position - _start >= _maximum;
        if (!truncated && _position - _lastSpeech < _trailing)
        {
            return null;
        }

        var segment = new SpeechSegment(_start, _lastSpeech, _position, truncated);
        var speech = _speech;
        _start = -1;
        return speech >= _minimum ? segment : null;
    }

    /// <summary>The audio ended: the utterance in progress, if any.</summary>
    public SpeechSegment? Flush()
    {
        if (_start < 0)
        {
            return null;
        }

        var segment = new SpeechSegment(_start, _lastSpeech, _position, false);
        _start = -1;
        return _speech >= _minimum ? segment : null;
    }

    /// <summary>Drops an utterance in progress (push-to-talk released, barge-in handled).</summary>
    public void Reset() => _start = -1;

    private static long Samples(TimeSpan time) => (long)(time.TotalSeconds * Audio.Pcm.SampleRate);
}

/// <summary>Endpointing settings (section <c>Voice:Endpoint</c>).</summary>
public sealed class EndpointOptions
{
    /// <summary>A frame at or above this probability starts speech.</summary>
    public float SpeechThreshold { get; set; } = 0.5f;

    /// <summary>A frame below this probability is silence.</summary>
    public float SilenceThreshold { get; set; } = 0.35f;

    /// <summary>Silence after speech that ends the utterance.</summary>
    public TimeSpan TrailingSilence { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest utterance; longer speech is cut here.</summary>
    public TimeSpan MaxUtterance { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Shortest speech taken as an utterance.</summary>
    public TimeSpan MinSpeech { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Audio kept before and after the speech for the recogniser.</summary>
    public TimeSpan Padding { get; set; } = TimeSpan.FromMilliseconds(200);
}
