using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Voice.Audio;
using Vehicle.Voice.Vad;

namespace Vehicle.Voice.Tests;

/// <summary>Barge-in, the wake phrase and push-to-talk, on spoken audio through the real stack.</summary>
[Collection(VoiceGroup.Name)]
public sealed class VoicePipelineTests(VoiceFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const int Frame = IVoiceActivityDetector.FrameSamples;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("voice-pipeline-");
    private readonly IVoiceActivityDetector _vad = VadModel.Create(null, NullLogger.Instance);

    [Fact]
    public void Process_SpeechWhileTheAnswerPlays_AnswerStoppedWhereSpeechStarts_AndTheNewCommandIsHeard()
    {
        var first = Speak("turn on the rear defroster");
        var second = Speak("set the fan to level six");
        var audio = new TimelineOutput();
        using var pipeline = new VoicePipeline(_vad, fixture.Recognizer, fixture.Channel, output: audio);

        // Whole frames, so the pipeline's position is exactly the samples fed.
        var turnA = Assert.Single(pipeline.Process(WholeFrames(TestAudio.Concat(TestAudio.Silence(0.3), first, TestAudio.Silence(0.6)))));
        Assert.Equal("climate.defrost", turnA.Outcome?.Understanding?.Intent);
        var (answer, at, stopped) = Assert.Single(audio.Played);
        Assert.Null(stopped);
        Assert.True(at <= pipeline.Position && pipeline.Position < at + answer.Length, "the answer is playing");

        // The second command's speech starts half-way through the answer.
        var speechStart = at + (answer.Length / 2);
        var (onset, _) = TestAudio.SpeechBounds(second);
        var gap = new short[speechStart - onset - pipeline.Position];
        var turnB = Assert.Single(pipeline.Process(TestAudio.Concat(gap, second, TestAudio.Silence(0.8))));

        output.WriteLine($"answer {answer.Length} samples from {at}; speech B at {speechStart}; detected at {turnB.Segment.Start}; stopped at {audio.Played[0].StoppedAt}");
        Assert.True(turnB.BargeIn);
        Assert.Equal(turnB.Segment.Start, audio.Played[0].StoppedAt);
        Assert.InRange(audio.Played[0].StoppedAt!.Value, speechStart - Frame, speechStart + Frame);
        Assert.Equal("climate.fan", turnB.Outcome?.Understanding?.Intent);
        Assert.Equal(6, turnB.Outcome!.Understanding!.Slots.Single(s => s.Key == "level").Value.Number);

        // What was heard: the first answer up to the barge-in, then the whole second answer.
        Assert.Equal(2, audio.Played.Count);
        Assert.Equal(audio.Played[0].StoppedAt!.Value - at + audio.Played[1].Pcm.Length, audio.Rendered.Length);
    }

    [Fact]
    public void Process_WakePhraseThenCommand_OneTurnExecuted()
    {
        using var pipeline = new VoicePipeline(_vad, fixture.Recognizer, fixture.Channel, new VoiceOptions { Activation = Activation.WakeWord });
        var woken = new List<long>();
        pipeline.Woken += woken.Add;

        var turns = Listen(pipeline, TestAudio.Concat(TestAudio.Silence(0.5), Speak("hey copilot"), TestAudio.Silence(0.6), Speak("turn on the rear defroster"), TestAudio.Silence(0.8)));

        Assert.Single(woken);
        var turn = Assert.Single(turns);
        Assert.True(turn.Segment.Start >= woken[0], "the wake phrase is not part of the request");
        Assert.Equal(OutcomeKind.Executed, turn.Outcome?.Kind);
        Assert.Equal("climate.defrost", turn.Outcome!.Understanding!.Intent);
    }

    [Fact]
    public void Process_CommandWithoutWakePhrase_NoTurn()
    {
        using var pipeline = new VoicePipeline(_vad, fixture.Recognizer, fixture.Channel, new VoiceOptions { Activation = Activation.WakeWord });
        var woken = 0;
        pipeline.Woken += _ => woken++;

        var turns = Listen(pipeline, TestAudio.Concat(TestAudio.Silence(0.5), Speak("turn on the rear defroster"), TestAudio.Silence(0.8)));

        Assert.Empty(turns);
        Assert.Equal(0, woken);
    }

    [Fact]
    public void Process_AfterAQuestion_TheAnswerNeedsNoWakePhrase()
    {
        // The passenger's conversation: the other tests speak from the driver's seat.
        using var pipeline = new VoicePipeline(_vad, fixture.Recognizer, fixture.Channel, new VoiceOptions { Activation = Activation.WakeWord }, seat: Seat.Passenger);

        var turns = Listen(pipeline, TestAudio.Concat(
            TestAudio.Silence(0.5), Speak("hey copilot"), TestAudio.Silence(0.6), Speak("unlock the doors"), TestAudio.Silence(1.5), Speak("yes please"), TestAudio.Silence(0.8)));

        Assert.Equal(2, turns.Count);
        Assert.Equal((OutcomeKind.Asked, "doors.unlock"), (turns[0].Outcome?.Kind, turns[0].Outcome?.Understanding?.Intent));
        Assert.Equal((OutcomeKind.Executed, "doors.unlock", true), (turns[1].Outcome?.Kind, turns[1].Outcome?.Understanding?.Intent, turns[1].Outcome?.Context));
    }

    [Fact]
    public void Process_AfterTheReplyWindow_TheWakePhraseIsNeededAgain()
    {
        var options = new VoiceOptions { Activation = Activation.WakeWord, ReplyWindow = TimeSpan.FromSeconds(1) };
        using var pipeline = new VoicePipeline(_vad, fixture.Recognizer, fixture.Channel, options, seat: Seat.Passenger);

        var turns = Listen(pipeline, TestAudio.Concat(
            TestAudio.Silence(0.5), Speak("hey copilot"), TestAudio.Silence(0.6), Speak("unlock the doors"), TestAudio.Silence(2.5), Speak("yes please"), TestAudio.Silence(0.8)));

        Assert.Equal(OutcomeKind.Asked, Assert.Single(turns).Outcome?.Kind);
    }

    [Fact]
    public void PushToTalk_SpeechWhileReleased_NoTurn_WhilePressed_OneTurn()
    {
        using var pipeline = new VoicePipeline(_vad, fixture.Recognizer, fixture.Channel, new VoiceOptions { Activation = Activation.PushToTalk });
        var command = TestAudio.Concat(TestAudio.Silence(0.3), Speak("switch on the dome light"), TestAudio.Silence(0.8));

        Assert.Empty(pipeline.Process(command));

        pipeline.PushToTalk(true);
        var turn = Assert.Single(pipeline.Process(command));
        pipeline.PushToTalk(false);
        Assert.Equal("lights.interior", turn.Outcome?.Understanding?.Intent);
        Assert.Null(pipeline.Flush());
    }

    public void Dispose()
    {
        _vad.Dispose();
        _folder.Delete(recursive: true);
    }

    private static List<VoiceTurn> Listen(VoicePipeline pipeline, short[] audio)
    {
        var turns = pipeline.Process(audio).ToList();
        if (pipeline.Flush() is { } last)
        {
            turns.Add(last);
        }

        return turns;
    }

    private static short[] WholeFrames(short[] samples) => TestAudio.Concat(samples, new short[(Frame - (samples.Length % Frame)) % Frame]);

    private short[] Speak(string text) => TestAudio.SpeakSamples(_folder.FullName, text);
}
