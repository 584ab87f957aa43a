namespace Vehicle.Voice.Audio;

/// <summary>
/// Where the front end's audio comes from: 16 kHz mono 16-bit frames. An OEM's microphone / echo
/// cancellation stack implements it (or pushes samples into <see cref="VoicePipeline.Process"/>
/// itself).
/// </summary>
public interface IAudioInput
{
    /// <summary>Fills <paramref name="frame"/>; returns how many samples were written, 0 at the end of the audio.</summary>
    int Read(Span<short> frame);
}

/// <summary>Samples already in memory (a WAV file read with <see cref="Pcm.ReadWav(string)"/>).</summary>
public sealed class BufferInput(short[] samples) : IAudioInput
{
    private int _position;

    /// <inheritdoc/>
    public int Read(Span<short> frame)
    {
        var n = Math.Min(frame.Length, samples.Length - _position);
        samples.AsSpan(_position, n).CopyTo(frame);
        _position += n;
        return n;
    }
}

/// <summary>A raw stream of 16 kHz mono signed 16-bit little-endian samples (stdin, a socket).</summary>
public sealed class RawPcmInput(Stream stream) : IAudioInput
{
    private byte _carry;
    private bool _hasCarry;

    /// <inheritdoc/>
    public int Read(Span<short> frame)
    {
        var bytes = new byte[frame.Length * 2];
        var filled = 0;
        if (_hasCarry)
        {
            bytes[0] = _carry;
            filled = 1;
            _hasCarry = false;
        }

        while (filled < bytes.Length)
        {
            var read = stream.Read(bytes, filled, bytes.Length - filled);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        if (filled % 2 == 1)
        {
            _carry = bytes[filled - 1];
            _hasCarry = true;
            filled--;
        }

        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes.AsSpan(0, filled)).CopyTo(frame);
        return filled / 2;
    }
}
