using Vehicle.Voice.Audio;

namespace Vehicle.Voice.Tests;

/// <summary>WAV reading and raw input, on files sox writes.</summary>
public sealed class PcmTests : IDisposable
{
    private const double Seconds = 1.5;
    private const double Tone = 440;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("voice-pcm-");

    [Theory]
    [InlineData(8, "unsigned-integer", 1, 22_050)]
    [InlineData(16, "signed-integer", 1, 16_000)]
    [InlineData(16, "signed-integer", 2, 44_100)]
    [InlineData(24, "signed-integer", 1, 8_000)]
    [InlineData(32, "signed-integer", 1, 44_100)]
    [InlineData(32, "floating-point", 2, 22_050)]
    public void ReadWav_AnyLayout_SixteenKilohertzMonoOfTheRightLengthAndPitch(int bits, string encoding, int channels, int rate)
    {
        // A 440 Hz tone at half scale on the first channel; a second channel, if any, is silent.
        var path = Path.Combine(_folder.FullName, $"tone-{bits}-{encoding}-{channels}-{rate}.wav");
        List<string> sox = ["-R", "-n", "-r", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", channels.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), "-e", encoding, path, "synth", TestAudio.Invariant(Seconds), "sine", TestAudio.Invariant(Tone), "vol", "0.5"];
        if (channels == 2)
        {
            sox.AddRange(["remix", "1", "0"]);
        }

        TestAudio.Tool("sox", [.. sox]);

        var samples = Pcm.ReadWav(path);

        Assert.InRange(samples.Length, (Seconds * Pcm.SampleRate) - 1, (Seconds * Pcm.SampleRate) + 1);

        // Pitch: a sine crosses zero twice a cycle.
        var crossings = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            crossings += (samples[i - 1] < 0) != (samples[i] < 0) ? 1 : 0;
        }

        Assert.InRange(crossings, (2 * Tone * Seconds) - 4, (2 * Tone * Seconds) + 4);

        // Level: half scale, halved again when averaged with a silent channel (RMS of a sine = peak / √2).
        var expected = 0.5 * 32768 / Math.Sqrt(2) / channels;
        Assert.InRange(TestAudio.Rms(samples.AsSpan(800, samples.Length - 1600)), expected * 0.97, expected * 1.03);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3_999)]
    [InlineData(1_000_000)]
    public void ReadWav_AbsurdSampleRate_InvalidDataAtOnce(int rate)
    {
        using var stream = new MemoryStream();
        Pcm.WriteWav(stream, new short[16_000], rate);

        var error = Assert.Throws<InvalidDataException>(() => Pcm.ReadWav(stream.ToArray()));
        Assert.Contains($"sample rate {rate} Hz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadWav_TruncatedFmtChunk_InvalidDataNotAnIndexError()
    {
        // RIFF, WAVE, "fmt " of 16 bytes announced, 6 present.
        byte[] wav = [.. "RIFF"u8, 26, 0, 0, 0, .. "WAVE"u8, .. "fmt "u8, 16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3E];

        var error = Assert.Throws<InvalidDataException>(() => Pcm.ReadWav(wav));
        Assert.Contains("fmt chunk is truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadWav_NotAWavFile_InvalidDataNamingTheFile()
    {
        var path = Path.Combine(_folder.FullName, "notes.wav");
        File.WriteAllText(path, "these are not audio samples");

        var error = Assert.Throws<InvalidDataException>(() => Pcm.ReadWav(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawPcmInput_OddByteCountInSmallPieces_WholeSamplesInOrder_TheOddByteDropped()
    {
        var samples = Enumerable.Range(0, 1000).Select(i => (short)((i * 37) - 18_000)).ToArray();
        var bytes = new byte[(samples.Length * 2) + 1];
        Buffer.BlockCopy(samples, 0, bytes, 0, samples.Length * 2);
        bytes[^1] = 0x7F;
        var input = new RawPcmInput(new TrickleStream(bytes, 3));

        var frame = new short[512];
        var read = new List<short>();
        var counts = new List<int>();
        int n;
        while ((n = input.Read(frame)) > 0)
        {
            counts.Add(n);
            read.AddRange(frame.AsSpan(0, n));
        }

        Assert.Equal([512, 488], counts);
        Assert.Equal(samples, read);
        Assert.Equal(0, input.Read(frame));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>A stream that hands out at most a few bytes per read, as a pipe may.</summary>
    private sealed class TrickleStream(byte[] data, int piece) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, piece));
    }
}
