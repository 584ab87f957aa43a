using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vehicle.Voice.Audio;

namespace Vehicle.Voice.Tests;

/// <summary>The <c>listen</c> command, run as a real process.</summary>
public sealed class CliTests : IDisposable
{
    private static readonly string[] AskFields = ["text", "intent", "slots", "confidence", "route", "latency_ms", "outcome", "actuations", "response", "lane", "total_ms"];
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("voice-cli-");

    [Fact]
    public async Task Listen_TwoCommandsInOneFile_TwoJsonLines_AndTheSpokenAnswersAsWav()
    {
        var clip = Path.Combine(_folder.FullName, "two-commands.wav");
        Pcm.WriteWav(clip, TestAudio.Concat(TestAudio.Silence(0.4), Speak("set the fan to level six"), TestAudio.Silence(1.2), Speak("lock the doors"), TestAudio.Silence(0.8)));
        var answers = Path.Combine(_folder.FullName, "answers.wav");

        var (exit, stdout, stderr) = await RunAsync("listen", clip, "--say", answers);

        Assert.True(exit == 0, stderr);
        var lines = Parse(stdout);
        Assert.Equal(2, lines.Count);
        Assert.All(lines, line =>
        {
            Assert.Equal(AskFields, line.EnumerateObject().Select(p => p.Name).Take(AskFields.Length));
            Assert.Equal("two-commands.wav", line.GetProperty("file").GetString());
            Assert.Equal(JsonValueKind.String, line.GetProperty("transcript").ValueKind);
            Assert.True(line.GetProperty("asr_ms").GetDouble() > 0);
            Assert.True(line.GetProperty("eos_to_outcome_ms").GetDouble() > 0);
            Assert.Equal("executed", line.GetProperty("outcome").GetString());
        });
        Assert.Equal("climate.fan", lines[0].GetProperty("intent").GetString());
        Assert.Equal(6, lines[0].GetProperty("slots").GetProperty("level").GetDouble());
        Assert.Equal("doors.lock", lines[1].GetProperty("intent").GetString());
        Assert.True(lines[0].GetProperty("speech_end_s").GetDouble() < lines[1].GetProperty("speech_start_s").GetDouble());

        // A 16 kHz mono 16-bit WAV with both answers in it.
        var wav = await File.ReadAllBytesAsync(answers);
        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal(16_000, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)));
        Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)));
        var spoken = Pcm.ReadWav(answers);
        Assert.True(spoken.Length > Pcm.SampleRate, $"{spoken.Length} samples of answers");
        Assert.True(TestAudio.Rms(spoken) > 300, "the answers are audible");
    }

    [Fact]
    public async Task ListenBatch_Folder_FilesInNameOrder()
    {
        var batch = Directory.CreateDirectory(Path.Combine(_folder.FullName, "batch"));
        Pcm.WriteWav(Path.Combine(batch.FullName, "b-second.wav"), TestAudio.Concat(TestAudio.Silence(0.3), Speak("lock the doors"), TestAudio.Silence(0.6)));
        Pcm.WriteWav(Path.Combine(batch.FullName, "a-first.wav"), TestAudio.Concat(TestAudio.Silence(0.3), Speak("set the fan to level six"), TestAudio.Silence(0.6)));
        await File.WriteAllTextAsync(Path.Combine(batch.FullName, "readme.txt"), "not audio");
        // Two bad files among them: each gets its own error line, the others are heard.
        await File.WriteAllTextAsync(Path.Combine(batch.FullName, "a-broken.wav"), "not a wav at all");
        using (var slow = new MemoryStream())
        {
            Pcm.WriteWav(slow, new short[8_000], sampleRate: 1);
            await File.WriteAllBytesAsync(Path.Combine(batch.FullName, "c-one-hertz.wav"), slow.ToArray());
        }

        var (exit, stdout, stderr) = await RunAsync("listen", "--batch", batch.FullName);

        Assert.True(exit == 0, stderr);
        var lines = Parse(stdout);
        Assert.Equal(["a-broken.wav", "a-first.wav", "b-second.wav", "c-one-hertz.wav"], lines.Select(l => l.GetProperty("file").GetString()));
        Assert.Equal(["climate.fan", "doors.lock"], lines.Where(l => !l.TryGetProperty("error", out _)).Select(l => l.GetProperty("intent").GetString()));
        Assert.Equal("a-broken.wav: not a RIFF/WAVE file", lines[0].GetProperty("error").GetString());
        Assert.Contains("sample rate 1 Hz", lines[3].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static List<JsonElement> Parse(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

    private short[] Speak(string text) => TestAudio.SpeakSamples(_folder.FullName, text);

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vehicle.Voice.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Its own state (cloud outbox) and an empty profile, never the user's.
        var state = Directory.CreateDirectory(Path.Combine(_folder.FullName, "state-" + Guid.NewGuid().ToString("N")));
        start.Environment["XDG_STATE_HOME"] = state.FullName;
        start.Environment["Profile__Path"] = Path.Combine(state.FullName, "profile.db");

        // What the car does is checked here, not how fast (perf/ measures that): budgets a busy CI machine cannot miss.
        start.Environment["Channel__CriticalBudget"] = "00:00:30";
        start.Environment["Channel__InteractiveBudget"] = "00:00:30";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
