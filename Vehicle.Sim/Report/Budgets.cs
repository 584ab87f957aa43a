using System.Globalization;
using System.Text.Json;

namespace Vehicle.Sim.Report;

/// <summary>A budget that a report broke.</summary>
/// <param name="Key">Dotted path into report.json, e.g. <c>lanes.critical.p99_ms</c>.</param>
/// <param name="Limit">The most it may be.</param>
/// <param name="Actual">What the run measured (null: the report has no such value).</param>
public sealed record BudgetViolation(string Key, double Limit, double? Actual);

/// <summary>
/// The budget gate: upper limits on values of <c>report.json</c>, keyed by dotted path
/// (<c>{"lanes.critical.p99_ms": 50, "lanes.critical.deadline_missed": 0, "cloud.lost": 0}</c>),
/// from a JSON file and/or <c>--budget KEY=LIMIT</c> flags. A missing lane counts as 0 (nothing
/// happened there); a key naming nothing known is bad input.
/// </summary>
public static class Budgets
{
    /// <summary>Reads a budget file.</summary>
    /// <exception cref="FormatException">Not a JSON object of numbers.</exception>
    public static Dictionary<string, double> Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{path}: a budget file is a JSON object of \"path\": limit");
            }

            return document.RootElement.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : throw new FormatException($"{path}: \"{p.Name}\" must be a number"));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses <c>KEY=LIMIT</c>.</summary>
    /// <exception cref="FormatException">Not KEY=NUMBER.</exception>
    public static KeyValuePair<string, double> ParseFlag(string flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        var equals = flag.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && double.TryParse(flag.AsSpan(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var limit)
            ? new(flag[..equals], limit)
            : throw new FormatException($"--budget wants KEY=LIMIT, e.g. lanes.critical.p99_ms=50, not '{flag}'");
    }

    /// <summary>The budgets <paramref name="report"/> breaks.</summary>
    /// <exception cref="FormatException">A key that names nothing the report can have.</exception>
    public static IReadOnlyList<BudgetViolation> Check(JsonDocument report, IReadOnlyDictionary<string, double> budgets)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(budgets);
        var violations = new List<BudgetViolation>();
        foreach (var (key, limit) in budgets.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            var actual = Resolve(report.RootElement, key);
            if (actual > limit)
            {
                violations.Add(new BudgetViolation(key, limit, actual));
            }
        }

        return violations;
    }

    private static double Resolve(JsonElement root, string key)
    {
        var parts = key.Split('.');
        var element = root;
        for (var i = 0; i < parts.Length; i++)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(parts[i], out var next))
            {
                // A lane or intent that saw no traffic has no entry: its counts and latencies are 0.
                if (i == 1 && parts.Length == 3 && parts[0] is "lanes" or "intents")
                {
                    return 0;
                }

                throw new FormatException($"budget '{key}' names nothing in report.json (e.g. lanes.critical.p99_ms, lanes.critical.deadline_missed, cloud.lost)");
            }

            element = next;
        }

        return element.ValueKind == JsonValueKind.Number ? element.GetDouble() : throw new FormatException($"budget '{key}' is not a number in report.json");
    }
}
