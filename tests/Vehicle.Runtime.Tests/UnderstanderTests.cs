using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

[Collection(UnderstanderGroup.Name)]
public sealed class UnderstanderTests(UnderstanderFixture fixture)
{
    private readonly Understander _understander = fixture.Understander;

    [Fact]
    public void Understand_ContractExample_WindowOpenHalfway()
    {
        var result = _understander.Understand("open my window halfway");

        Assert.Equal("window.open", result.Intent);
        Assert.Equal(Route.Onboard, result.Route);
        Assert.Equal([new("window", SlotValue.Of("driver")), new("percent", SlotValue.Of(50))], result.Slots);
        Assert.InRange(result.Confidence, 0.5, 1.0);
        Assert.True(result.Latency > TimeSpan.Zero);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void Understand_SpeakerSeat_IsTheDefaultWindow()
    {
        var result = _understander.Understand("open my window", Seat.RearRight);
        Assert.Equal("rear_right", result.Slots.Single(s => s.Key == "window").Value.Text);
    }

    [Fact]
    public void Understand_WorldQuestion_RoutesToCloud()
    {
        var result = _understander.Understand("who won the world cup in 2014");
        Assert.Equal((IntentCatalog.CloudIntent, Route.Cloud), (result.Intent, result.Route));
        Assert.Empty(result.Slots);
    }

    [Fact]
    public void Understand_SameInput_SameResult()
    {
        var first = _understander.Understand("set the temperature to 22 degrees");
        var second = _understander.Understand("set the temperature to 22 degrees");
        Assert.Equal((first.Intent, first.Confidence), (second.Intent, second.Confidence));
        Assert.Equal(first.Slots, second.Slots);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t  ")]
    [InlineData("\u0001\u0002\u0007")]
    [InlineData("?!...")]
    [InlineData(null)]
    public void Understand_NoWords_ClearEmptyResult(string? text)
    {
        var result = _understander.Understand(text);
        Assert.Null(result.Intent);
        Assert.Equal("empty_input", result.Reason);
        Assert.Empty(result.Slots);
    }

    [Fact]
    public void Understand_ControlCharacters_AreIgnored()
    {
        var result = _understander.Understand("open\u0000 my\u0007 window\u001b halfway");
        Assert.Equal("window.open", result.Intent);
        Assert.Equal(50, result.Slots.Single(s => s.Key == "percent").Value.Number);
    }

    [Fact]
    public void Understand_TenThousandCharacters_TruncatedNotCrashed()
    {
        var text = "open the window " + new string('a', 9_984);
        Assert.Equal(10_000, text.Length);

        var result = _understander.Understand(text);

        Assert.True(result.Truncated);
        Assert.Equal(text, result.Text);
        Assert.NotNull(result.Intent);
    }

    [Theory]
    [InlineData("打开车窗")]
    [InlineData("افتح النافذة من فضلك")]
    [InlineData("Открой окно водителя")]
    public void Understand_OtherScript_RoutedToMultilingualCloud(string text)
    {
        var result = _understander.Understand(text);
        Assert.Equal((IntentCatalog.CloudIntent, Route.Cloud, "unsupported_script"), (result.Intent, result.Route, result.Reason));
    }

    [Fact]
    public void Understand_Emoji_IsEmpty()
    {
        Assert.Equal("empty_input", _understander.Understand("🔥🔥🚗").Reason);
    }

    [Fact]
    public void HeldoutSets_NeverReuseCatalogExamples()
    {
        var catalog = TestData.Catalog.Intents.SelectMany(i => i.Examples).Select(TestData.Normalize).ToHashSet();
        var leaked = TestData.Heldout.Concat(TestData.Test).Where(u => catalog.Contains(TestData.Normalize(u.Text))).Select(u => u.Text).ToList();
        Assert.Empty(leaked);
    }

    [Fact]
    public void HeldoutSets_EveryIntentHasAtLeastThreeParaphrases_AndIsRecognised()
    {
        var data = TestData.Heldout.Concat(TestData.Test).ToList();
        foreach (var intent in TestData.Catalog.Intents)
        {
            var lines = data.Where(u => u.Intent == intent.Name).ToList();
            Assert.True(lines.Count >= 3, $"{intent.Name} has {lines.Count} held-out lines");
            var correct = lines.Count(u => _understander.Understand(u.Text).Intent == intent.Name);
            Assert.True(correct * 3 >= lines.Count * 2, $"{intent.Name}: {correct}/{lines.Count} recognised");
        }
    }

    [Fact]
    public void TestSet_IntentAccuracyCloudF1AndSlots()
    {
        var report = NluEvaluation.Evaluate(_understander, TestData.Test);
        Assert.True(report.IntentAccuracy >= 0.95, Describe(report));
        Assert.True(report.CloudF1 >= 0.95, Describe(report));
        Assert.True(report.SlotAccuracy >= 0.9, Describe(report));
    }

    [Fact]
    public void DevelopmentSet_IntentAccuracyAndSlots()
    {
        var report = NluEvaluation.Evaluate(_understander, TestData.Heldout);
        Assert.True(report.IntentAccuracy >= 0.93, Describe(report));
        Assert.True(report.SlotAccuracy >= 0.9, Describe(report));
    }

    [Fact]
    public void Slurp_WorldQuestions_RouteToCloud()
    {
        // SLURP qa_*, general_*, news_query and weather_query: crowd-sourced, never trained on.
        var report = NluEvaluation.Evaluate(_understander, NluEvaluation.ReadJsonl(TestData.PathOf("slurp-cloud.jsonl")));
        Assert.True(report.Count > 700, Describe(report));
        Assert.True(report.CloudRecall >= 0.85, Describe(report));
    }

    [Fact]
    public void Slurp_MediaCommands_MostlyOnboard()
    {
        var report = NluEvaluation.Evaluate(_understander, NluEvaluation.ReadJsonl(TestData.PathOf("slurp-incar.jsonl")));
        Assert.True(report.IntentAccuracy >= 0.7, Describe(report));
    }

    [Fact]
    public void GuessLane_FromWordsAlone_MostlyRight()
    {
        var data = TestData.Heldout.Concat(TestData.Test).ToList();
        var critical = data.Where(u => TestData.Catalog[u.Intent].Lane == Lane.Critical).ToList();
        var other = data.Except(critical).ToList();
        var criticalRight = critical.Count(u => _understander.GuessLane(u.Text) == Lane.Critical);
        var otherRight = other.Count(u => _understander.GuessLane(u.Text) != Lane.Critical);
        var summary = $"critical {criticalRight}/{critical.Count}, other {otherRight}/{other.Count}";
        Assert.True(criticalRight >= critical.Count * 0.9, summary);
        Assert.True(otherRight >= other.Count * 0.9, summary);
    }

    private static string Describe(EvaluationReport report) =>
        $"n={report.Count} intent {report.IntentAccuracy:P1} cloud F1 {report.CloudF1:F3} (P {report.CloudPrecision:F3} R {report.CloudRecall:F3}) slots {report.SlotAccuracy:P1}\n" +
        string.Join('\n', report.Errors.Take(30));
}
