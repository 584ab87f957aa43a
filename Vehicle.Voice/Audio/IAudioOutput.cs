namespace Vehicle.Voice.Audio;

/// <summary>Where spoken answers go (the OEM's audio stack). Positions are in input samples, so barge-in can be placed in time.</summary>
public interface IAudioOutput
{
    /// <summary>Starts playing <paramref name="pcm"/> (16 kHz mono) at input position <paramref name="at"/>.</summary>
    void Play(short[] pcm, long at);

    /// <summary>Whether something is playing at input position <paramref name="at"/>.</summary>
    bool IsPlaying(long at);

    /// <summary>Stops playback at input position <paramref name="at"/> (barge-in).</summary>
    void Interrupt(long at);
}

/// <summary>
/// An output on the input's timeline (files, tests, the simulator): it records what was played,
/// when, and where it was cut off; <see cref="Rendered"/> is everything actually heard, in order.
/// </summary>
public sealed class TimelineOutput : IAudioOutput
{
    private readonly List<(short[] Pcm, long At, long? StoppedAt)> _played = [];

    /// <summary>Answers played (or started), with when they started and where they were stopped.</summary>
    public IReadOnlyList<(short[] Pcm, long At, long? StoppedAt)> Played => _played;

    /// <summary>The audio that was heard: each answer up to its barge-in.</summary>
    public short[] Rendered => [.. _played.SelectMany(p => p.Pcm.Take((int)Math.Min(p.Pcm.Length, (p.StoppedAt ?? long.MaxValue) - p.At)))];

    /// <inheritdoc/>
    public void Play(short[] pcm, long at) => _played.Add((pcm, at, null));

    /// <inheritdoc/>
    public bool IsPlaying(long at) => _played.Count > 0 && _played[^1] is var last && last.StoppedAt is null && at >= last.At && at < last.At + last.Pcm.Length;

    /// <inheritdoc/>
    public void Interrupt(long at)
    {
        if (IsPlaying(at))
        {
            _played[^1] = _played[^1] with { StoppedAt = at };
        }
    }
}
