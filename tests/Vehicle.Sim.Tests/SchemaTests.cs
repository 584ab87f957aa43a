using System.Text.Json;
using Json.Schema;
using Vehicle.Sim.Replay;
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

    [Fact]
    public async Task Reports_of_every_kind_are_valid_against_the_report_schema()
    {
        var reportSchema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Report", "report.schema.json"));
        var trace = TraceReader.Read(new StringReader("""
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 30}
            {"t": 1, "type": "utterance", "text": "open my window halfway", "expect": {"intent": "window.open"}}
            {"t": 2, "type": "utterance", "text": "who wrote hamlet"}
            {"t": 4, "type": "utterance", "text": "how much range do I have left"}
            """), "schema.jsonl");
        var folder = Directory.CreateTempSubdirectory("report-schema-");
        try
        {
            var virtualReport = await Replayer.RunAsync(trace, "schema.jsonl", new ReplayOptions { Clock = ClockMode.Virtual });
            var baseline = Path.Combine(folder.FullName, "baseline.json");
            await File.WriteAllTextAsync(baseline, virtualReport.Json);
            var full = await Rig.RunAsync(trace, "schema.jsonl", new ReplayOptions(), new RigOptions
            {
                Runs = 2,
                Sweep = [1, 2],
                BaselineFile = baseline,
                Budgets = new Dictionary<string, double> { ["lanes.critical.p99_ms"] = 50 },
            });

            foreach (var report in new[] { virtualReport, full.Report })
            {
                var result = reportSchema.Evaluate(report.Document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
                Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
            }

            Assert.False(reportSchema.Evaluate(JsonDocument.Parse("""{"run": {}}""").RootElement).IsValid);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
