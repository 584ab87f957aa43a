using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vehicle.Sim.Report;

/// <summary>One figure compared with a previous report.</summary>
/// <param name="Key">Dotted path in report.json (<c>lanes.critical.p99_ms</c>).</param>
/// <param name="Baseline">The previous report's value.</param>
/// <param name="Current">This report's value.</param>
/// <param name="Regression">Worse than tolerance × baseline by more than the absolute floor.</param>
public sealed record BaselineDelta(string Key, double Baseline, double Current, bool Regression)
{
    /// <summary>Current / baseline (infinity when the baseline is 0 and the current value is not).</summary>
    public double Ratio => Baseline == 0 ? (Current == 0 ? 1 : double.PositiveInfinity) : Current / Baseline;
}

/// <summary>
/// Compares a report with a previous one (<c>--baseline OLD/report.json</c>): each lane's p50, p99
/// and max, and the cloud's answer p50 and p99. A figure regresses when it is worse than
/// <c>tolerance × baseline</c> and also worse by more than an absolute floor, so that 0.3 → 0.5 ms
/// is noise, not a regression.
/// </summary>
public static class Baseline
{
    /// <summary>Default tolerance: 25 % worse than the baseline.</summary>
    public const double DefaultTolerance = 1.25;

    /// <summary>Default absolute floor, in milliseconds.</summary>
    public const double DefaultFloorMs = 1.0;

    private static readonly string[] LaneFigures = ["p50_ms", "p99_ms", "max_ms"];
    private static readonly string[] CloudFigures = ["answer_p50_ms", "answer_p99_ms"];

    /// <summary>The deltas of every figure both reports have, lanes first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A tolerance below 1 or a negative floor.</exception>
    public static IReadOnlyList<BaselineDelta> Compare(JsonElement current, JsonElement baseline, double tolerance = DefaultTolerance, double floorMs = DefaultFloorMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tolerance, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(floorMs);
        var deltas = new List<BaselineDelta>();
        if (current.TryGetProperty("lanes", out var lanes) && baseline.TryGetProperty("lanes", out var oldLanes))
        {
            foreach (var lane in lanes.EnumerateObject())
            {
                if (oldLanes.TryGetProperty(lane.Name, out var oldLane))
                {
                    foreach (var figure in LaneFigures)
                    {
                        Add(deltas, $"lanes.{lane.Name}.{figure}", oldLane, lane.Value, figure, tolerance, floorMs);
                    }
                }
            }
        }

        if (current.TryGetProperty("cloud", out var cloud) && baseline.TryGetProperty("cloud", out var oldCloud))
        {
            foreach (var figure in CloudFigures)
            {
                Add(deltas, $"cloud.{figure}", oldCloud, cloud, figure, tolerance, floorMs);
            }
        }

        return deltas;
    }

    /// <summary>The <c>baseline</c> section of report.json.</summary>
    public static JsonObject ToJson(string file, double tolerance, double floorMs, IReadOnlyList<BaselineDelta> deltas) => new()
    {
        ["file"] = file,
        ["tolerance"] = tolerance,
        ["floor_ms"] = floorMs,
        ["regressions"] = deltas.Count(d => d.Regression),
        ["deltas"] = new JsonArray([.. deltas.Select(d => (JsonNode)new JsonObject
        {
            ["key"] = d.Key,
            ["baseline"] = d.Baseline,
            ["current"] = d.Current,
            ["ratio"] = double.IsFinite(d.Ratio) ? Math.Round(d.Ratio, 3) : null,
            ["regression"] = d.Regression,
        })]),
    };

    /// <summary>One line per figure: <c>lanes.critical.p99_ms  4.10 → 5.20 ms  ×1.27  REGRESSION</c>.</summary>
    public static string Describe(BaselineDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var ratio = double.IsFinite(delta.Ratio) ? "×" + delta.Ratio.ToString("F2", CultureInfo.InvariantCulture) : "new";
        return string.Create(CultureInfo.InvariantCulture, $"{delta.Key,-28} {delta.Baseline,9:F2} -> {delta.Current,9:F2} ms  {ratio,7}{(delta.Regression ? "  REGRESSION" : string.Empty)}");
    }

    private static void Add(List<BaselineDelta> deltas, string key, JsonElement old, JsonElement now, string figure, double tolerance, double floorMs)
    {
        if (!old.TryGetProperty(figure, out var before) || !now.TryGetProperty(figure, out var after)
            || before.ValueKind != JsonValueKind.Number || after.ValueKind != JsonValueKind.Number)
        {
            return;
        }

        var b = before.GetDouble();
        var a = after.GetDouble();
        deltas.Add(new BaselineDelta(key, b, a, a > tolerance * b && a - b > floorMs));
    }
}
