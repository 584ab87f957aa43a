using System.Text.Json;
using Vehicle.Runtime.Privacy;
using Xunit.Abstractions;

namespace Vehicle.Runtime.Tests;

/// <summary>
/// How often the redactor replaces something in everyday requests nobody on the team wrote (SLURP,
/// all 2,973 distinct test sentences: times, dates, amounts, names of strangers). The only personal
/// data of the kinds redacted there are nine e-mail addresses SLURP itself labels
/// (<c>email_address</c>, as a recogniser writes them: "joe@aol dot com"). Every other replacement
/// is a false positive and costs answer quality (the cloud sees a placeholder instead of "lee"),
/// so its rate must stay low.
/// </summary>
public sealed class PrivacySlurpTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<(string Text, string[] Entities)>> Slurp = new(() =>
        [.. File.ReadLines(TestData.PathOf("slurp-test.jsonl")).Where(l => l.Length > 0).Select(Parse)]);

    // Patterns alone: 0.5 % (about 15 of 2,973) would already mean a pattern fires on ordinary
    // numbers, times or dates.
    [Fact]
    public void Redact_SlurpWithAnEmptyProfile_AtMostHalfAPercentFalsePositives() =>
        AssertRate(ProfileSnapshot.Empty, "empty profile", 0.005);

    // With the test profile the names of its contacts are also hit when a stranger shares one
    // ("bruce lee", "email from robert"): the price of matching a first or last name alone, counted
    // here as false positives. 1 % (one question in a hundred asked with a placeholder, which is
    // put back in the answer) is the bound.
    [Fact]
    public void Redact_SlurpWithTheTestProfile_AtMostOnePercentFalsePositives() =>
        AssertRate(new ProfileSnapshot(PrivacyCorpus.Profile()), "test profile", 0.01);

    [Fact]
    public void Redact_SlurpEmailAddresses_AllRedacted()
    {
        var redactor = new Redactor();
        var labelled = Slurp.Value.Where(s => s.Entities.Contains("email_address")).ToList();
        var written = labelled.Where(s => s.Text.Contains('@', StringComparison.Ordinal)).ToList();

        foreach (var (text, _) in labelled)
        {
            output.WriteLine($"{text} => {redactor.Redact(text, ProfileSnapshot.Empty).Text}");
        }

        Assert.Equal(9, labelled.Count);
        Assert.Equal(8, written.Count); // the ninth is "brandon at example dot com", spoken: found too
        Assert.All(labelled, s => Assert.Contains(redactor.Redact(s.Text, ProfileSnapshot.Empty).Entities, e => e.Type == PiiType.Email));
        Assert.All(written, s => Assert.DoesNotContain("@", redactor.Redact(s.Text, ProfileSnapshot.Empty).Text, StringComparison.Ordinal));
    }

    private static (string Text, string[] Entities) Parse(string line)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        return (root.GetProperty("text").GetString()!, [.. root.GetProperty("slurp_entities").EnumerateArray().Select(e => e.GetString()!)]);
    }

    private void AssertRate(ProfileSnapshot profile, string what, double bound)
    {
        var redactor = new Redactor();
        var utterances = Slurp.Value;
        var hits = 0;
        var falsePositives = new List<string>();
        foreach (var (text, entities) in utterances)
        {
            var redaction = redactor.Redact(text, profile);
            Assert.Equal(text, redaction.Restore(redaction.Text));
            if (redaction.Entities.Count == 0)
            {
                continue;
            }

            hits++;
            // An e-mail placeholder where SLURP labels an e-mail address is a true positive.
            var labelled = entities.Contains("email_address");
            if (redaction.Entities.Any(e => e.Type != PiiType.Email || !labelled))
            {
                falsePositives.Add($"{text} => {redaction.Text}");
            }
        }

        var rate = (double)falsePositives.Count / utterances.Count;
        output.WriteLine($"{what}: {hits} of {utterances.Count} SLURP utterances redacted ({(double)hits / utterances.Count:P2}); {falsePositives.Count} false positives ({rate:P2}); bound {bound:P1}");
        falsePositives.ForEach(h => output.WriteLine("  false positive: " + h));
        Assert.True(utterances.Count >= 2900, $"{utterances.Count} utterances");
        Assert.True(rate <= bound, $"{what}: false-positive rate {rate:P2} over {bound:P1}");
    }
}
