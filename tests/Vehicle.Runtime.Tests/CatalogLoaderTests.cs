using System.Text;
using Vehicle.Runtime.Catalog;

namespace Vehicle.Runtime.Tests;

public sealed class CatalogLoaderTests
{
    private const string Minimal = """
        intents:
          - name: window.open
            lane: critical
            examples: [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10]
            response: "Opening."
          - name: cloud.query
            lane: cloud
            examples: [b1, b2, b3, b4, b5, b6, b7, b8, b9, b10]
            response: "Looking it up."
        """;

    /// <summary>The names and slots other tooling relies on (issue contract).</summary>
    public static TheoryData<string, string[]> Contract => new()
    {
        { "climate.set_temperature", ["temperature", "unit", "zone"] },
        { "climate.adjust_temperature", ["direction", "amount"] },
        { "climate.ac", ["state"] },
        { "climate.recirculation", ["state"] },
        { "climate.fan", ["level", "direction"] },
        { "climate.defrost", ["state", "target"] },
        { "seat.heating", ["state", "level", "seat"] },
        { "window.open", ["window", "percent"] },
        { "window.close", ["window"] },
        { "sunroof.open", [] }, { "sunroof.close", [] }, { "trunk.open", [] }, { "trunk.close", [] },
        { "doors.lock", [] }, { "doors.unlock", [] },
        { "lights.interior", ["state"] },
        { "media.play", ["query"] }, { "media.pause", [] }, { "media.next", [] }, { "media.previous", [] }, { "media.mute", [] },
        { "media.volume", ["direction", "level"] },
        { "nav.navigate", ["destination"] }, { "nav.cancel", [] }, { "nav.eta", [] },
        { "nav.find_nearby", ["poi"] },
        { "phone.call", ["contact", "number"] },
        { "phone.message", ["contact", "message"] },
        { "vehicle.range", [] }, { "vehicle.tire_pressure", [] },
        { "adas.lane_keep", ["state"] },
        { "adas.cruise", ["state", "speed"] },
        { "system.cancel", [] }, { "system.help", [] }, { "system.undo", [] }, { "dialogue.follow_up", [] },
        { "cloud.query", [] },
    };

    [Theory]
    [MemberData(nameof(Contract))]
    public void DefaultCatalog_ContractIntent_HasItsSlotsAndEnoughExamples(string intent, string[] slots)
    {
        var definition = TestData.Catalog[intent];
        Assert.Equal(slots.Order(), definition.Slots.Select(s => s.Name).Order());
        Assert.True(definition.Examples.Count >= 10, $"{intent} has {definition.Examples.Count} examples");
        Assert.False(string.IsNullOrWhiteSpace(definition.Response));
    }

    [Fact]
    public void DefaultCatalog_HasNoIntentOutsideTheContract()
    {
        var contract = Contract.Select(row => (string)row[0]).ToHashSet();
        Assert.All(TestData.Catalog.Intents, i => Assert.Contains(i.Name, contract));
    }

    [Fact]
    public void DefaultCatalog_EnumValues_AreContractValues()
    {
        Assert.Equal(["driver", "passenger", "rear_left", "rear_right", "all"], TestData.Catalog["window.open"].Slots.Single(s => s.Name == "window").Values);
        Assert.Equal(["gas_station", "charging_station", "parking", "restaurant", "coffee", "hospital"], TestData.Catalog["nav.find_nearby"].Slots.Single().Values);
        Assert.Equal(["driver", "passenger", "rear", "all"], TestData.Catalog["climate.set_temperature"].Slots.Single(s => s.Name == "zone").Values);
    }

    [Fact]
    public void DefaultCatalog_Lanes_FollowTheirPurpose()
    {
        Assert.Equal(Lane.Critical, TestData.Catalog["window.open"].Lane);
        Assert.Equal(Lane.Interactive, TestData.Catalog["vehicle.range"].Lane);
        Assert.Equal(Lane.Cloud, TestData.Catalog["cloud.query"].Lane);
    }

    [Fact]
    public void DefaultCatalog_ActuationsAndPreconditions_AreParsed()
    {
        var open = TestData.Catalog["window.open"];
        Assert.Equal("Vehicle.Cabin.Door.{window}.Window.Position", open.Actuations.Single().Signal);
        Assert.Equal(["Row1.DriverSide"], open.Slots.Single(s => s.Name == "window").PathSegments["driver"]);
        var unlock = TestData.Catalog["doors.unlock"].Preconditions.Single();
        Assert.Equal("Vehicle.Speed", unlock.Signal);
        Assert.Equal(ComparisonOperator.Eq, unlock.Operator);
        Assert.Equal(0.0, unlock.Value);
        Assert.Equal(100, TestData.Catalog.Limits["window_open_max_speed"]);
    }

    [Fact]
    public void Parse_Minimal_Loads()
    {
        var catalog = Parse(Minimal);
        Assert.Equal(2, catalog.Intents.Count);
        Assert.Equal(64, catalog.Sha256.Length);
    }

    [Fact]
    public void Parse_SameText_SameHash_ChangedText_NewHash()
    {
        Assert.Equal(Parse(Minimal).Sha256, Parse(Minimal).Sha256);
        Assert.NotEqual(Parse(Minimal).Sha256, Parse(Minimal.Replace("a10", "a11", StringComparison.Ordinal)).Sha256);
    }

    [Theory]
    [InlineData("examples: [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10]", "examples: [a1, a2]", "at least 10")]
    [InlineData("lane: critical", "lane: urgent", "lane 'urgent'")]
    [InlineData("name: cloud.query", "name: window.open", "defined twice")]
    [InlineData("name: cloud.query", "name: other.thing", "must define 'cloud.query'")]
    [InlineData("b10]", "a1]", "listed under both")]
    [InlineData("response: \"Opening.\"", "respons: \"Opening.\"", "line")]
    [InlineData("response: \"Opening.\"", "slots: {window: {type: windows}}\n    response: \"Opening.\"", "unknown slot type 'windows'")]
    [InlineData("response: \"Opening.\"", "slots: {window: {kind: enum}}\n    response: \"Opening.\"", "needs values")]
    [InlineData("response: \"Opening.\"", "actuations: [{signal: \"Cabin.Window\", value: \"1\"}]\n    response: \"Opening.\"", "not a VSS path")]
    [InlineData("response: \"Opening.\"", "actuations: [{signal: \"Vehicle.X.{percent}\", value: \"1\"}]\n    response: \"Opening.\"", "unknown slot 'percent'")]
    [InlineData("response: \"Opening.\"", "slots: {contact: {kind: text, patterns: [\"call\"]}}\n    response: \"Opening.\"", "exactly one {}")]
    [InlineData("response: \"Opening.\"", "preconditions: [{signal: Vehicle.Speed, op: below, value: 1, reason: x}]\n    response: \"Opening.\"", "precondition")]
    [InlineData("  - name: window.open", "  - name: window.open\n    lane: [", "line")]
    [InlineData("intents:", "out_of_catalog: [\"a5\"]\nintents:", "contains an out_of_catalog phrase")]
    public void Parse_Malformed_ThrowsWithWhereAndWhy(string find, string replace, string message)
    {
        var yaml = Minimal.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Minimal, yaml);
        var error = Assert.Throws<CatalogException>(() => Parse(yaml));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsCatalogException()
    {
        Assert.Throws<CatalogException>(() => CatalogLoader.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".yaml")));
    }

    [Fact]
    public void Parse_SlotValuesOnIntent_AddToTypePhrases()
    {
        var recirculation = TestData.Catalog["climate.recirculation"].Slots.Single();
        Assert.Contains(recirculation.Phrases, p => p.Value == "off" && p.Tokens.Length == 2 && p.Tokens[0].Text == "fresh");
        Assert.Contains(recirculation.Phrases, p => p.Value == "off" && p.Tokens.Length == 2 && p.Tokens[0].Text == "turn");
    }

    [Fact]
    public void Parse_OutOfCatalogPhrases_MatchAnywhere_WordOrPlural()
    {
        var catalog = Parse(Minimal.Replace("intents:", "out_of_catalog: [\"Shopping List\", timer]\nintents:", StringComparison.Ordinal));

        Assert.True(IntentCatalog.Contains(Nlu.Utterance.Parse("add milk to my shopping list please").Tokens, catalog.OutOfCatalog));
        Assert.True(IntentCatalog.Contains(Nlu.Utterance.Parse("cancel both timers").Tokens, catalog.OutOfCatalog));
        Assert.False(IntentCatalog.Contains(Nlu.Utterance.Parse("list my shopping").Tokens, catalog.OutOfCatalog));
        Assert.False(IntentCatalog.Contains(Nlu.Utterance.Parse("timetable").Tokens, catalog.OutOfCatalog));
    }

    private static IntentCatalog Parse(string yaml) => CatalogLoader.Parse(Encoding.UTF8.GetBytes(yaml), "test.yaml");
}
