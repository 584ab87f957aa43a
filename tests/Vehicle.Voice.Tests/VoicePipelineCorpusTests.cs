using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Runtime.Catalog;
using Vehicle.Voice.Asr;
using Vehicle.Voice.Audio;
using Vehicle.Voice.Vad;

namespace Vehicle.Voice.Tests;

/// <summary>
/// The whole front end on a spoken corpus: each clip goes through a <see cref="VoicePipeline"/>
/// (Silero VAD, endpointer, PocketSphinx with the catalog's grammar) into the real command channel
/// (real understander, simulated vehicle standing still); a clip counts when it gave exactly one turn
/// whose understanding has the right intent and every expected slot.
/// </summary>
[Collection(VoiceGroup.Name)]
public sealed class VoicePipelineCorpusTests(VoiceFixture fixture, CorpusFixture corpus, ITestOutputHelper output) : IClassFixture<CorpusFixture>
{
    [Fact]
    public void Phrases_UnseenOnesAreNoCatalogExample_AndCoverTheOnBoardIntents()
    {
        var catalog = CatalogLoader.Load(fixture.CatalogPath);
        var examples = catalog.Intents.SelectMany(i => i.Examples).Select(e => string.Join(' ', SpeechGrammar.Spoken(e))).ToHashSet(StringComparer.Ordinal);
        foreach (var phrase in CorpusFixture.Phrases)
        {
            var spoken = string.Join(' ', SpeechGrammar.Spoken(phrase.Text));
            Assert.True(phrase.FromCatalog == examples.Contains(spoken), $"'{phrase.Text}': {(phrase.FromCatalog ? "not" : "is")} a catalog example");
            Assert.Contains(catalog.Intents, i => i.Name == phrase.Intent && i.Lane != Lane.Cloud);
        }

        // Intents with slots get unseen phrases; the ones without can only be said as the catalog says them.
        Assert.All(CorpusFixture.Phrases.Where(p => p.FromCatalog), p => Assert.Empty(catalog.Intents.Single(i => i.Name == p.Intent).Slots));
        var covered = CorpusFixture.Phrases.Select(p => p.Intent).ToHashSet(StringComparer.Ordinal);
        Assert.True(covered.Count >= 20, $"{covered.Count} intents covered");
        Assert.True(CorpusFixture.Phrases.Count(p => !p.FromCatalog) >= 30);
    }

    [Fact]
    public void Process_CleanUnseenCommandsInTwoVoicesAtTwoRates_NinetyPercentUnderstood()
    {
        var results = Run(clip => clip.Clean, "clean");

        // The bar is for what the catalog never showed; the catalog sentences of the intents without
        // slots are reported with it (four phrases: too few for a rate of their own to mean much).
        var unseen = results.Where(r => !r.Clip.Phrase.FromCatalog).ToList();
        Assert.True(Rate(unseen) >= 0.90, $"unseen phrases understood: {Rate(unseen):P1}");
    }

    [Fact]
    public void Process_CarNoiseAtTenDecibelsSnr_EveryClipDecided_RateReported()
    {
        var results = Run(clip => clip.Noisy, $"car noise at {CorpusFixture.SnrDb} dB SNR");

        // Reported, not asserted: the clean run holds the bar. Every clip was heard and decided on.
        Assert.Equal(corpus.Clips.Count, results.Count);
        Assert.All(results, r => Assert.NotEmpty(r.Turns));
    }

    private List<ClipResult> Run(Func<CorpusClip, string> file, string label)
    {
        Assert.Equal(0, fixture.Store.Get("Vehicle.Speed").Number);
        using var vad = VadModel.Create(null, NullLogger.Instance);

        // The free-form model only transcribes rejected speech for the cloud; the score does not
        // depend on it, and leaving it out keeps the run short.
        using var recognizer = new PocketSphinxRecognizer(fixture.Grammar, new RecognizerOptions { FreeFormModel = null });
        var results = new List<ClipResult>();
        foreach (var clip in corpus.Clips)
        {
            vad.Reset();
            using var pipeline = new VoicePipeline(vad, recognizer, fixture.Channel);
            var turns = pipeline.Process(Pcm.ReadWav(file(clip))).ToList();
            if (pipeline.Flush() is { } last)
            {
                turns.Add(last);
            }

            results.Add(new ClipResult(clip, turns, turns.Count == 1 && Understood(turns[0], clip.Phrase)));
        }

        output.WriteLine($"{label}: {Rate(results):P1} of {results.Count} clips understood ({vad.Name}); unseen phrases {Rate(results.Where(r => !r.Clip.Phrase.FromCatalog)):P1}, catalog sentences {Rate(results.Where(r => r.Clip.Phrase.FromCatalog)):P1}");
        foreach (var speaker in results.GroupBy(r => r.Clip.Speaker))
        {
            output.WriteLine($"  {speaker.Key}: {Rate(speaker):P1}");
        }

        var asr = results.SelectMany(r => r.Turns).Select(t => t.AsrTime.TotalMilliseconds).Order().ToList();
        output.WriteLine($"  recognition per utterance: median {asr[asr.Count / 2]:F0} ms, 90th percentile {asr[(int)(asr.Count * 0.9)]:F0} ms, max {asr[^1]:F0} ms");
        foreach (var miss in results.Where(r => !r.Hit))
        {
            var heard = miss.Turns.Count == 0
                ? "no utterance"
                : string.Join(" / ", miss.Turns.Select(t => $"'{t.Recognition.Transcript ?? "(rejected) " + t.Recognition.FreeForm}' conf {t.Recognition.Confidence.ToString("F1", CultureInfo.InvariantCulture)} -> {Describe(t)}"));
            output.WriteLine($"  MISS {miss.Clip.Speaker} '{miss.Clip.Phrase.Text}' expected {miss.Clip.Phrase}; heard {heard}");
        }

        return results;
    }

    private static bool Understood(VoiceTurn turn, CorpusPhrase phrase)
    {
        if (turn.Outcome?.Understanding is not { } understanding || understanding.Intent != phrase.Intent)
        {
            return false;
        }

        foreach (var (name, value) in phrase.Slots)
        {
            var slot = understanding.Slots.FirstOrDefault(s => s.Key == name);
            if (slot.Key is null || !value.Split('|').Any(v => string.Equals(v, slot.Value.ToString(), StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(VoiceTurn turn) => turn.Outcome?.Understanding is { } u
        ? $"{u.Intent} {string.Join(' ', u.Slots.Select(s => s.Key + "=" + s.Value))} ({turn.Outcome.Kind})"
        : "nothing submitted";

    private static double Rate(IEnumerable<ClipResult> results)
    {
        var list = results.ToList();
        return list.Count == 0 ? 0 : list.Count(r => r.Hit) / (double)list.Count;
    }

    private sealed record ClipResult(CorpusClip Clip, List<VoiceTurn> Turns, bool Hit);
}
