using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vehicle.Sim.Report;

/// <summary>
/// <c>--runs N</c>: N reports of the same trace folded into one. Each lane's latency figures, its
/// deadline misses and the cloud's answer figures become the median across the runs (what budgets
/// and baselines then read), and a <c>runs</c> section keeps every run's value with the spread, so
/// one noisy run neither trips a CI gate nor hides.
/// </summary>
public static class Repeats
{
    private static readonly string[] LaneFigures = ["p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "deadline_missed"];
    private static readonly string[] CloudFigures = ["answer_p50_ms", "answer_p99_ms"];

    /// <summary>The last run's report with medians in place, and the <c>runs</c> section.</summary>
    /// <param name="reports">The runs' report.json texts, in order (at least one).</param>
    /// <param name="warmups">Runs made before these and not counted.</param>
    public static JsonObject Combine(IReadOnlyList<string> reports, int warmups)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentOutOfRangeException.ThrowIfZero(reports.Count);
        var parsed = reports.Select(r => JsonNode.Parse(r)!.AsObject()).ToList();
        var combined = parsed[^1];
        var figures = new JsonObject();
        foreach (var (lane, node) in combined["lanes"]!.AsObject().ToList())
        {
            foreach (var figure in LaneFigures)
            {
                Fold(parsed, figures, node!.AsObject(), $"lanes.{lane}.{figure}", r => r["lanes"]?[lane]?[figure]);
            }
        }

        var cloud = combined["cloud"]!.AsObject();
        foreach (var figure in CloudFigures)
        {
            Fold(parsed, figures, cloud, $"cloud.{figure}", r => r["cloud"]?[figure]);
        }

        combined["runs"] = new JsonObject
        {
            ["count"] = reports.Count,
            ["warmup"] = warmups,
            ["figures"] = figures,
        };
        return combined;
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static void Fold(List<JsonObject> runs, JsonObject figures, JsonObject target, string key, Func<JsonObject, JsonNode?> read)
    {
        var values = runs.Select(read).Where(v => v is JsonValue value && value.GetValueKind() == JsonValueKind.Number).Select(v => v!.GetValue<double>()).ToList();
        if (values.Count == 0)
        {
            return;
        }

        var median = Math.Round(Median(values), 3);
        var name = key[(key.LastIndexOf('.') + 1)..];
        target[name] = name == "deadline_missed" ? (JsonNode)(long)Math.Ceiling(median) : median;
        figures[key] = new JsonObject
        {
            ["median"] = median,
            ["min"] = values.Min(),
            ["max"] = values.Max(),
            ["values"] = new JsonArray([.. values.Select(v => (JsonNode)v)]),
        };
    }
}
