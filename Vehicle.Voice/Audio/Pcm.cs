using System.Buffers.Binary;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;

namespace Vehicle.Voice.Audio;

/// <summary>
/// The front end's audio format: 16 kHz mono 16-bit PCM. Reads RIFF/WAVE files of any common
/// layout (8/16/24/32-bit integer or 32-bit float, any channel count, any rate) and converts them:
/// channels are averaged, the rate is converted with NAudio's WDL resampler. A data chunk whose
/// size field is a placeholder (a WAV streamed to stdout) is read to the end of the file.
/// </summary>
public static class Pcm
{
    /// <summary>The sample rate everything on board works at.</summary>
    public const int SampleRate = 16_000;

    /// <summary>Reads a WAV file as 16 kHz mono samples.</summary>
    /// <exception cref="InvalidDataException">Not a WAV file, or an encoding other than PCM / IEEE float (the message names the file).</exception>
    public static short[] ReadWav(string path)
    {
        try
        {
            return ReadWav(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Lowest sample rate read (telephone audio is 8 kHz).</summary>
    public const int MinRate = 4_000;

    /// <summary>Highest sample rate read.</summary>
    public const int MaxRate = 384_000;

    /// <summary>Most channels read.</summary>
    public const int MaxChannels = 32;

    /// <summary>Reads WAV bytes as 16 kHz mono samples.</summary>
    /// <exception cref="InvalidDataException">Not a WAV file this reads, with the reason.</exception>
    public static short[] ReadWav(ReadOnlySpan<byte> wav)
    {
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("not a RIFF/WAVE file");
        }

        int? format = null;
        int channels = 0, rate = 0, bits = 0;
        var position = 12;
        while (position + 8 <= wav.Length)
        {
            var id = wav.Slice(position, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(wav.Slice(position + 4, 4));
            var body = position + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > wav.Length)
                {
                    throw new InvalidDataException($"the fmt chunk is truncated ({Math.Max(0, Math.Min(size, (uint)(wav.Length - body)))} of at least 16 bytes)");
                }

                format = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(body, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(body + 2, 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(wav.Slice(body + 4, 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(body + 14, 2));
                if (format == 0xFFFE && size >= 40 && body + 26 <= wav.Length)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(wav.Slice(body + 24, 2)); // WAVE_FORMAT_EXTENSIBLE: the sub-format
                }

                // Resampling from an absurd rate would take minutes or gigabytes: refuse it by name.
                if (rate is < MinRate or > MaxRate)
                {
                    throw new InvalidDataException($"sample rate {rate} Hz is outside {MinRate}-{MaxRate} Hz");
                }

                if (channels is < 1 or > MaxChannels)
                {
                    throw new InvalidDataException($"{channels} channels (1-{MaxChannels} are read)");
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is null)
                {
                    throw new InvalidDataException("data chunk before the fmt chunk");
                }

                var length = (int)Math.Min(size, (uint)(wav.Length - body));
                return Convert(Decode(wav.Slice(body, length), format.Value, channels, bits), channels, rate);
            }

            position = body + (int)Math.Min(size + (size & 1), (uint)(wav.Length - body));
        }

        throw new InvalidDataException("no data chunk");
    }

    /// <summary>Writes 16 kHz mono samples as a WAV file.</summary>
    public static void WriteWav(string path, ReadOnlySpan<short> samples, int sampleRate = SampleRate)
    {
        using var stream = File.Create(path);
        WriteWav(stream, samples, sampleRate);
    }

    /// <summary>Writes mono 16-bit samples as WAV to a stream.</summary>
    public static void WriteWav(Stream stream, ReadOnlySpan<short> samples, int sampleRate = SampleRate)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], 36 + (samples.Length * 2));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], samples.Length * 2);
        stream.Write(header);
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples));
    }

    /// <summary>Mono samples at <paramref name="rate"/> to 16 kHz.</summary>
    public static short[] Resample(ReadOnlySpan<short> samples, int rate)
    {
        var floats = new float[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            floats[i] = samples[i] / 32768f;
        }

        return Convert(floats, 1, rate);
    }

    private static float[] Decode(ReadOnlySpan<byte> data, int format, int channels, int bits)
    {
        if (channels < 1)
        {
            throw new InvalidDataException("no channels");
        }

        var bytes = bits / 8;
        if ((format != 1 && format != 3) || (format == 1 && bits is not (8 or 16 or 24 or 32)) || (format == 3 && bits != 32))
        {
            throw new InvalidDataException($"unsupported encoding (format {format}, {bits} bits): use PCM or 32-bit float");
        }

        var count = data.Length / bytes;
        var samples = new float[count];
        for (var i = 0; i < count; i++)
        {
            var s = data.Slice(i * bytes, bytes);
            samples[i] = (format, bits) switch
            {
                (3, _) => BinaryPrimitives.ReadSingleLittleEndian(s),
                (_, 8) => (s[0] - 128) / 128f,
                (_, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                (_, 24) => ((s[2] << 24) | (s[1] << 16) | (s[0] << 8)) / 2147483648f,
                _ => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
            };
        }

        return samples;
    }

    private static short[] Convert(float[] interleaved, int channels, int rate)
    {
        if (rate <= 0)
        {
            throw new InvalidDataException("sample rate missing");
        }

        var frames = interleaved.Length / channels;
        var mono = new float[frames];
        for (var f = 0; f < frames; f++)
        {
            var sum = 0f;
            for (var c = 0; c < channels; c++)
            {
                sum += interleaved[(f * channels) + c];
            }

            mono[f] = sum / channels;
        }

        if (rate != SampleRate)
        {
            var resampler = new WdlResamplingSampleProvider(new ArraySampleProvider(mono, rate), SampleRate);
            var output = new List<float>((int)((long)frames * SampleRate / rate) + 1024);
            var buffer = new float[4096];
            int read;
            while ((read = resampler.Read(buffer.AsSpan())) > 0)
            {
                output.AddRange(buffer.AsSpan(0, read));
            }

            mono = [.. output];
        }

        var result = new short[mono.Length];
        for (var i = 0; i < mono.Length; i++)
        {
            result[i] = (short)Math.Clamp(MathF.Round(mono[i] * 32768f), short.MinValue, short.MaxValue);
        }

        return result;
    }

    /// <summary>An in-memory mono source for NAudio's resampler.</summary>
    private sealed class ArraySampleProvider(float[] samples, int rate) : ISampleProvider
    {
        private int _position;

        public WaveFormat WaveFormat { get; } = WaveFormat.CreateIeeeFloatWaveFormat(rate, 1);

        public int Read(Span<float> buffer)
        {
            var n = Math.Min(buffer.Length, samples.Length - _position);
            samples.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }
}
