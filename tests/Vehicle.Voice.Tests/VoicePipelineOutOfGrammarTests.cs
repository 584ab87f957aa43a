using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Commands;
using Vehicle.Voice.Vad;

namespace Vehicle.Voice.Tests;

/// <summary>What the grammar does not cover must never become an actuation.</summary>
[Collection(VoiceGroup.Name)]
public sealed class VoicePipelineOutOfGrammarTests(VoiceFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] Questions =
    [
        "what is the capital of australia",
        "who wrote the odyssey",
        "how tall is mount everest",
        "how many people live in tokyo",
        "tell me a joke about penguins",
    ];

    [Fact]
    public void Process_SpokenWorldQuestions_NeverExecuted_VehicleUntouched()
    {
        var folder = Directory.CreateTempSubdirectory("voice-oog-");
        using var changes = fixture.Store.Subscribe();
        using var vad = VadModel.Create(null, NullLogger.Instance);
        var turns = new List<VoiceTurn>();
        try
        {
            foreach (var voice in new[] { "en-us", "en-gb" })
            {
                foreach (var question in Questions)
                {
                    vad.Reset();
                    using var pipeline = new VoicePipeline(vad, fixture.Recognizer, fixture.Channel);
                    var heard = pipeline.Process(TestAudio.Concat(TestAudio.Silence(0.5), TestAudio.SpeakSamples(folder.FullName, question, voice), TestAudio.Silence(0.8))).ToList();
                    if (pipeline.Flush() is { } last)
                    {
                        heard.Add(last);
                    }

                    Assert.NotEmpty(heard);
                    foreach (var turn in heard)
                    {
                        var confidence = turn.Recognition.Confidence.ToString("F1", CultureInfo.InvariantCulture);
                        output.WriteLine($"{voice} '{question}': asr {(turn.Recognition.Accepted ? "accepted '" + turn.Recognition.Transcript + "'" : "rejected, free form '" + turn.Recognition.FreeForm + "'")} (conf {confidence}) -> {turn.Outcome?.Kind.ToString() ?? "nothing submitted"} {turn.Outcome?.Understanding?.Intent} lane {turn.Outcome?.Lane}");
                    }

                    turns.AddRange(heard);
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        Assert.All(turns, turn => Assert.True(
            turn.Outcome is null or { Kind: OutcomeKind.RoutedCloud, Lane: Lane.Cloud } || (turn.Outcome.Kind != OutcomeKind.Executed && turn.Outcome.Actuations.Count == 0),
            $"'{turn.Recognition.Transcript}' was {turn.Outcome?.Kind}"));
        Assert.False(changes.Changes.TryRead(out var change), $"the vehicle was actuated: {change?.Path} = {change?.Value}");
        var routed = turns.Count(t => t.Outcome is { Kind: OutcomeKind.RoutedCloud, Lane: Lane.Cloud });
        output.WriteLine($"{routed} of {turns.Count} utterances routed to the cloud, {turns.Count(t => !t.Recognition.Accepted)} rejected by the recogniser");

        // The rejection path is the one that carries questions to the cloud: it must have been taken.
        Assert.Contains(turns, t => !t.Recognition.Accepted && t.Outcome is { Kind: OutcomeKind.RoutedCloud, Lane: Lane.Cloud, Understanding.Reason: "asr_out_of_grammar" });
    }
}
