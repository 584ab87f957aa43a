using System.Text.Json;
using Json.Schema;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Tests;

/// <summary>The JSON Schema in the repository tells the truth about the format the reader accepts.</summary>
public sealed class SchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "traces", "trace.schema.json"));

    [Theory]
    [InlineData("commute.jsonl")]
    [InlineData("rav4-highway.jsonl")]
    public void Every_line_of_the_shipped_traces_is_valid_against_the_schema_and_the_reader(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "traces", name);
        var lines = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l) && !l.StartsWith("//", StringComparison.Ordinal)).ToList();
        foreach (var line in lines)
        {
            var result = Schema.Evaluate(JsonDocument.Parse(line).RootElement);
            Assert.True(result.IsValid, line);
        }

        Assert.Equal(lines.Count, TraceReader.Read(path).Events.Count);
    }

    [Theory]
    [InlineData("""{"t": 1, "type": "utterance"}""")]
    [InlineData("""{"t": -1, "type": "signal", "path": "Vehicle.Speed", "value": 1}""")]
    [InlineData("""{"t": 1, "type": "fault", "kind": "cloud_slow", "duration_s": 3}""")]
    [InlineData("""{"t": 1, "type": "teleport"}""")]
    public void What_the_reader_refuses_the_schema_refuses(string line)
    {
        Assert.False(Schema.Evaluate(JsonDocument.Parse(line).RootElement).IsValid);
        Assert.Throws<TraceFormatException>(() => TraceReader.Read(new StringReader(line), "x.jsonl"));
    }
}
