using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vehicle.Sim.Replay;
using Vehicle.Sim.Trace;

namespace Vehicle.Perf;

/// <summary>
/// The rig's default clock against the real-time clock, on one trace, in one process: each lane's
/// p50, p99 and max under the compressed clock and under wall-clock pacing at <c>speed</c>, their
/// ratio, the wall time of each, and whether every utterance got the same intent and outcome.
/// A warm-up replay runs first and is not counted.
/// </summary>
internal static class RigClocks
{
    public static async Task RunAsync(string tracePath, double speed)
    {
        var trace = TraceReader.Read(tracePath);
        var name = Path.GetFileName(tracePath);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {name}: {trace.Events.Count} events, {trace.Duration.TotalSeconds:F0} s of drive");
        await Replayer.RunAsync(trace, name, new ReplayOptions());
        var wall = Stopwatch.StartNew();
        using var compressed = (await Replayer.RunAsync(trace, name, new ReplayOptions())).Document;
        var compressedWall = wall.Elapsed;
        wall.Restart();
        using var realtime = (await Replayer.RunAsync(trace, name, new ReplayOptions { Clock = ClockMode.Realtime, Speed = speed })).Document;
        var realtimeWall = wall.Elapsed;

        Console.WriteLine($"compressed: {compressedWall.TotalSeconds:F1} s of wall time; realtime at {speed.ToString(CultureInfo.InvariantCulture)}x: {realtimeWall.TotalSeconds:F1} s");
        Console.WriteLine("| lane | count | compressed p50 / p99 / max ms | realtime p50 / p99 / max ms | p50 ratio | p99 ratio |");
        Console.WriteLine("|---|---:|---|---|---:|---:|");
        foreach (var lane in compressed.RootElement.GetProperty("lanes").EnumerateObject())
        {
            if (!realtime.RootElement.GetProperty("lanes").TryGetProperty(lane.Name, out var other))
            {
                continue;
            }

            var c = lane.Value;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {lane.Name} | {c.GetProperty("count").GetInt32()} | {F(c, "p50_ms")} / {F(c, "p99_ms")} / {F(c, "max_ms")} | {F(other, "p50_ms")} / {F(other, "p99_ms")} / {F(other, "max_ms")} | {Ratio(c, other, "p50_ms")} | {Ratio(c, other, "p99_ms")} |"));
        }

        var a = Commands(compressed);
        var b = Commands(realtime);
        var differ = a.Where(kv => !b.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key).ToList();
        Console.WriteLine($"intents and outcomes: {a.Count} utterances, {differ.Count} differ between the clocks{(differ.Count > 0 ? " (lines " + string.Join(", ", differ) + ")" : string.Empty)}");
        Console.WriteLine($"cloud answer p50 / p99 ms: compressed {F(compressed.RootElement.GetProperty("cloud"), "answer_p50_ms")} / {F(compressed.RootElement.GetProperty("cloud"), "answer_p99_ms")}, realtime {F(realtime.RootElement.GetProperty("cloud"), "answer_p50_ms")} / {F(realtime.RootElement.GetProperty("cloud"), "answer_p99_ms")}");
    }

    private static Dictionary<int, (string?, string?)> Commands(JsonDocument report) =>
        report.RootElement.GetProperty("timeline").GetProperty("commands").EnumerateArray()
            .GroupBy(c => c.GetProperty("line").GetInt32())
            .ToDictionary(g => g.Key, g => (g.First().GetProperty("intent").GetString(), g.First().GetProperty("outcome").GetString()));

    private static string F(JsonElement e, string name) => e.GetProperty(name).GetDouble().ToString("F2", CultureInfo.InvariantCulture);

    private static string Ratio(JsonElement compressed, JsonElement realtime, string name)
    {
        var r = realtime.GetProperty(name).GetDouble();
        return r == 0 ? "-" : (compressed.GetProperty(name).GetDouble() / r).ToString("F2", CultureInfo.InvariantCulture);
    }
}
