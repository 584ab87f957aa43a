using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Report;

/// <summary>
/// <c>--sweep 1,2,5,10,20</c>: the trace replayed at each load factor (events N× denser, fault
/// durations too), and per lane p50, p99, deadline misses and rejections against load. The knee of
/// a lane is the first factor at which it misses a deadline or rejects: for the critical lane, the
/// number an OEM asks for.
/// </summary>
public static class Sweep
{
    /// <summary>The same drive with every event <paramref name="factor"/> times sooner.</summary>
    public static DriveTrace Denser(DriveTrace trace, double factor)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(factor, 0);
        return trace with
        {
            Events = [.. trace.Events.Select(e => e switch
            {
                FaultEvent fault => fault with { At = fault.At / factor, Duration = fault.Duration / factor },
                _ => e with { At = e.At / factor },
            })],
        };
    }

    /// <summary>Parses <c>1,2,5,10,20</c>: positive factors, ascending, distinct.</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static IReadOnlyList<double> ParseFactors(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var factors = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || !double.IsFinite(factor) || factor <= 0 || factor > 10_000)
            {
                throw new FormatException($"--sweep takes load factors above 0 (at most 10000), comma-separated, not '{part}'");
            }

            factors.Add(factor);
        }

        if (factors.Count == 0 || !factors.SequenceEqual(factors.Distinct().Order()))
        {
            throw new FormatException($"--sweep takes distinct load factors in ascending order, not '{text}'");
        }

        return factors;
    }

    /// <summary>The <c>sweep</c> section of report.json from each factor's report.</summary>
    public static JsonObject ToJson(IReadOnlyList<(double Factor, JsonElement Report)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var lanes = new JsonObject();
        var knees = new JsonObject();
        foreach (var lane in new[] { "critical", "interactive", "cloud" })
        {
            var curve = new JsonArray();
            double? knee = null;
            foreach (var (factor, report) in points)
            {
                if (!report.GetProperty("lanes").TryGetProperty(lane, out var l))
                {
                    continue;
                }

                var missed = l.GetProperty("deadline_missed").GetInt32();
                var rejected = l.GetProperty("rejected").GetInt32();
                if (knee is null && missed + rejected > 0)
                {
                    knee = factor;
                }

                curve.Add(new JsonObject
                {
                    ["factor"] = factor,
                    ["count"] = l.GetProperty("count").GetInt32(),
                    ["p50_ms"] = l.GetProperty("p50_ms").GetDouble(),
                    ["p99_ms"] = l.GetProperty("p99_ms").GetDouble(),
                    ["max_ms"] = l.GetProperty("max_ms").GetDouble(),
                    ["deadline_missed"] = missed,
                    ["rejected"] = rejected,
                });
            }

            if (curve.Count > 0)
            {
                lanes[lane] = curve;
                knees[lane] = knee;
            }
        }

        return new JsonObject
        {
            ["factors"] = new JsonArray([.. points.Select(p => (JsonNode)p.Factor)]),
            ["lanes"] = lanes,
            ["knee"] = knees,
        };
    }
}
