using CsCheck;
using Vehicle.Voice.Audio;
using Vehicle.Tests.Shared;

namespace Vehicle.Voice.Tests;

/// <summary>Any bytes as a WAV file: samples, or an <see cref="InvalidDataException"/> saying why; never anything else.</summary>
public sealed class PropertyTests
{
    private static readonly byte[] Valid = MakeWav();

    /// <summary>A valid file with bytes changed, cut short or grown; or bytes that start like one; or any bytes.</summary>
    private static readonly Gen<byte[]> Wav = Gen.Frequency(
        (4, Gen.Select(Gen.Int[0, 60].Array[1, 6], Gen.Byte.Array[1, 6], (positions, values) => Mutate(positions, values))),
        (2, Gen.Int[0, 200].Select(n => Valid[..Math.Min(n, Valid.Length)])),
        (2, Fuzz.Bytes(200).Select(tail => (byte[])[.. "RIFF\0\0\0\0WAVE"u8, .. tail])),
        (1, Fuzz.Bytes(300)));

    [Fact]
    public void ReadWav_AnyBytes_SamplesOrAClearError() =>
        Wav.Sample(bytes =>
        {
            try
            {
                var samples = Pcm.ReadWav(bytes);
                Assert.True(samples.Length <= 16 * bytes.Length, $"{samples.Length} samples from {bytes.Length} bytes");
            }
            catch (InvalidDataException error)
            {
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
            }
        }, iter: 5000);

    private static byte[] Mutate(int[] positions, byte[] values)
    {
        var copy = (byte[])Valid.Clone();
        for (var i = 0; i < positions.Length; i++)
        {
            copy[positions[i]] = values[i % values.Length];
        }

        return copy;
    }

    private static byte[] MakeWav()
    {
        using var stream = new MemoryStream();
        Pcm.WriteWav(stream, TestAudio.Silence(0.01));
        return stream.ToArray();
    }
}
