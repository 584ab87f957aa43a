using System.Diagnostics;
using System.Globalization;
using Vehicle.Voice.Audio;

namespace Vehicle.Voice.Tests;

/// <summary>Test audio from the real tools: espeak-ng renders speech, sox converts, pads and mixes.</summary>
internal static class TestAudio
{
    /// <summary>The amplitude above which a sample counts as speech when measuring where speech is.</summary>
    public const int SpeechAmplitude = 300;

    /// <summary>Runs a tool and waits for it; a failure throws with its standard error.</summary>
    public static void Tool(string name, params string[] arguments)
    {
        var start = new ProcessStartInfo(name) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
        }
    }

    /// <summary>
    /// <c>espeak-ng -v VOICE -s WPM -w</c>, then <c>sox -R</c> to 16 kHz mono 16-bit with
    /// <paramref name="before"/> / <paramref name="after"/> seconds of silence added.
    /// </summary>
    public static string Speak(string text, string voice, int wordsPerMinute, string path, double before = 0, double after = 0)
    {
        var raw = path + ".espeak.wav";
        Tool("espeak-ng", "-v", voice, "-s", Invariant(wordsPerMinute), "-w", raw, text);
        List<string> sox = ["-R", raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", path];
        if (before > 0 || after > 0)
        {
            sox.AddRange(["pad", Invariant(before), Invariant(after)]);
        }

        Tool("sox", [.. sox]);
        File.Delete(raw);
        return path;
    }

    /// <summary>Speech as samples (see <see cref="Speak"/>).</summary>
    public static short[] SpeakSamples(string folder, string text, string voice = "en-us", int wordsPerMinute = 165)
    {
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".wav");
        var samples = Pcm.ReadWav(Speak(text, voice, wordsPerMinute, path));
        File.Delete(path);
        return samples;
    }

    /// <summary>First and last sample (inclusive) whose magnitude exceeds <see cref="SpeechAmplitude"/>.</summary>
    public static (int First, int Last) SpeechBounds(ReadOnlySpan<short> samples)
    {
        var first = -1;
        var last = -1;
        for (var i = 0; i < samples.Length; i++)
        {
            if (Math.Abs((int)samples[i]) > SpeechAmplitude)
            {
                first = first < 0 ? i : first;
                last = i;
            }
        }

        return first >= 0 ? (first, last) : throw new InvalidOperationException("no speech in the clip");
    }

    public static double Rms(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (var s in samples)
        {
            sum += (double)s * s;
        }

        return samples.Length == 0 ? 0 : Math.Sqrt(sum / samples.Length);
    }

    public static short[] Silence(double seconds) => new short[(int)Math.Round(seconds * Pcm.SampleRate)];

    public static short[] Concat(params short[][] parts) => [.. parts.SelectMany(p => p)];

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Milliseconds(long samples) => Invariant(Math.Round(samples * 1000.0 / Pcm.SampleRate));
}
