using Vehicle.Runtime.Catalog;
using Vehicle.Voice.Asr;
using Vehicle.Voice.Tts;

namespace Vehicle.Voice.Tests;

/// <summary>The grammar is generated from the catalog: every word speakable, a new intent speakable without code.</summary>
[Collection(VoiceGroup.Name)]
public sealed class SpeechGrammarTests(VoiceFixture fixture)
{
    [Fact]
    public void FromCatalog_EveryWordHasAPronunciation_AndTheRecogniserBuilds()
    {
        var dictionary = File.ReadLines(new RecognizerOptions().Dictionary).Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);

        Assert.True(fixture.Grammar.Phrases > 500, $"{fixture.Grammar.Phrases} phrases");
        Assert.All(fixture.Grammar.Words, word => Assert.True(dictionary.Contains(word) || Espeak.Pronounce(word) is not null, $"'{word}' has no pronunciation"));

        // The profile's names are in it, including ones no dictionary knows.
        Assert.Contains("lindqvist", fixture.Grammar.Words);
        Assert.DoesNotContain("lindqvist", dictionary);
        using var recognizer = new PocketSphinxRecognizer(fixture.Grammar, new RecognizerOptions { FreeFormModel = null });
        Assert.Equal("pocketsphinx", recognizer.Name);
    }

    [Fact]
    public void FromCatalog_NewIntentWithAnUnknownWord_RecognisedFromSpeechWithoutRecogniserChanges()
    {
        const string Command = "activate the zorblax mode";
        var folder = Directory.CreateTempSubdirectory("voice-grammar-");
        try
        {
            var catalog = Path.Combine(folder.FullName, "catalog.yaml");
            var yaml = File.ReadAllText(fixture.CatalogPath);
            const string NewIntent = """
                  - name: vehicle.zorblax_mode
                    lane: interactive
                    examples:
                      - activate the zorblax mode
                      - turn on zorblax mode
                      - zorblax mode please
                      - switch to zorblax mode
                      - enable the zorblax mode
                      - i want zorblax mode
                      - zorblax mode on
                      - can you start zorblax mode
                      - put the car in zorblax mode
                      - go into zorblax mode
                    response: "Zorblax mode."

                """;
            var at = yaml.IndexOf("  - name: cloud.query", StringComparison.Ordinal);
            File.WriteAllText(catalog, yaml.Insert(at, NewIntent));
            var audio = TestAudio.Concat(TestAudio.Silence(0.2), TestAudio.SpeakSamples(folder.FullName, Command), TestAudio.Silence(0.2));

            Assert.DoesNotContain("zorblax", fixture.Grammar.Words);
            Assert.NotEqual(Command, fixture.Recognizer.Recognize(audio).Transcript);

            var grammar = SpeechGrammar.FromCatalog(catalog, fixture.Profile.Current);
            using var recognizer = new PocketSphinxRecognizer(grammar, new RecognizerOptions { FreeFormModel = null });
            var recognition = recognizer.Recognize(audio);

            Assert.Contains("zorblax", grammar.Words);
            Assert.True(recognition.Accepted, $"rejected at confidence {recognition.Confidence}");
            Assert.Equal(Command, recognition.Transcript);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
