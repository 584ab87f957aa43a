using System.Text.Json;
using System.Text.Json.Serialization;
using YamlDotNet.Core;

namespace Vehicle.Bus.Tests;

/// <summary>YAML read through System.Text.Json's generated code: scalars, keys, and where an error is.</summary>
public sealed class YamlJsonTests
{
    [Fact]
    public void Scalars_FollowTheCoreSchema_AndATextMemberTakesAnyScalarAsWritten()
    {
        var doc = YamlJson.Deserialize(
            """
            name: "20"
            count: 3
            ratio: -0.25
            flag: True
            note: 20
            also: 'true'
            nothing: NULL
            max_words: "7"
            items: [a, 1.50, ~]
            map: {"Vehicle.Speed": x, k: [1, 2]}
            """,
            TestYaml.Default.Doc)!;

        Assert.Equal("20", doc.Name);
        Assert.Equal(3, doc.Count);
        Assert.Equal(-0.25, doc.Ratio);
        Assert.True(doc.Flag);
        Assert.Equal("20", doc.Note);
        Assert.Equal("true", doc.Also);
        Assert.Null(doc.Nothing);
        Assert.Equal(7, doc.MaxWords); // a quoted number still fills a number member
        Assert.Equal(["a", "1.50", null], doc.Items);
        Assert.Equal("x", doc.Map!["Vehicle.Speed"].GetString());
        Assert.Equal(JsonValueKind.Array, doc.Map["k"].ValueKind);
    }

    [Fact]
    public void AnEmptyDocument_IsNull()
    {
        Assert.Null(YamlJson.Deserialize("", TestYaml.Default.Doc));
        Assert.Null(YamlJson.Deserialize("# only a comment\n", TestYaml.Default.Doc));
    }

    [Theory]
    [InlineData("name: a\ncount: 1\nnmae: b\n", 3, "unknown key 'nmae'")]
    [InlineData("name: a\nitems:\n  - x\n  - [y]\n", 4, "'items[1]' is not the kind of value")]
    [InlineData("name: a\n\ncount: [1]\n", 3, "'count' is not the kind of value")]
    [InlineData("name: a\n'odd key': 1\n", 2, "unknown key")]
    [InlineData("name: [a\n", 2, "")]
    [InlineData("name: a\nitems: [\ncount: 1\n", 2, "malformed")]
    [InlineData("- a\n- b\n", 1, "must be a mapping")]
    [InlineData("a: &x 1\nb: *x\n", 2, "aliases")]
    public void AValueThatDoesNotFit_IsAYamlErrorAtItsLine(string yaml, int line, string message)
    {
        var error = Assert.ThrowsAny<YamlException>(() => YamlJson.Deserialize(yaml, TestYaml.Default.Doc));
        Assert.Equal(line, error.Start.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    internal sealed class Doc
    {
        public string? Name { get; set; }

        public int Count { get; set; }

        public double Ratio { get; set; }

        public bool Flag { get; set; }

        public string? Note { get; set; }

        public string? Also { get; set; }

        public string? Nothing { get; set; }

        public int? MaxWords { get; set; }

        public List<string?>? Items { get; set; }

        public Dictionary<string, JsonElement>? Map { get; set; }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, NumberHandling = JsonNumberHandling.AllowReadingFromString, Converters = [typeof(YamlJson.ScalarText)])]
[JsonSerializable(typeof(YamlJsonTests.Doc))]
internal sealed partial class TestYaml : JsonSerializerContext;
