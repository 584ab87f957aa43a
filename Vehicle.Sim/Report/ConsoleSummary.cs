using System.Text.Json;
using Spectre.Console;

namespace Vehicle.Sim.Report;

/// <summary>The summary a person reads after a replay (Spectre.Console tables).</summary>
internal static class ConsoleSummary
{
    public static void Write(IAnsiConsole console, JsonDocument report, IReadOnlyList<BudgetViolation> violations, bool gated, IReadOnlyList<BaselineDelta>? baseline = null)
    {
        var root = report.RootElement;
        var run = root.GetProperty("run");
        var wall = run.TryGetProperty("wall_s", out var w) ? $" in {w.GetDouble():F1} s of wall time" : string.Empty;
        console.MarkupLine($"[bold]Replay of {Markup.Escape(run.GetProperty("trace").GetString()!)}[/]: {run.GetProperty("events").GetInt32()} events, {run.GetProperty("simulated_s").GetDouble():F1} s of drive{wall}, {run.GetProperty("clock").GetString()} clock, seed {run.GetProperty("seed").GetInt32()}");
        var runs = root.TryGetProperty("runs", out var r) ? r : default;
        var lanes = new Table().Title(runs.ValueKind == JsonValueKind.Object
            ? $"Lanes: admission to outcome (ms), median of {runs.GetProperty("count").GetInt32()} runs after a warm-up (min-max)"
            : "Lanes: admission to outcome (ms); all fields in report.json");
        foreach (var column in new[] { "lane", "count", "p50", "p99", "max", "missed", "refused", "rejected" })
        {
            lanes.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var lane in root.GetProperty("lanes").EnumerateObject())
        {
            var v = lane.Value;
            lanes.AddRow(lane.Name, N(v, "count"), Spread(runs, lane.Name, v, "p50_ms"), Spread(runs, lane.Name, v, "p99_ms"), Spread(runs, lane.Name, v, "max_ms"), N(v, "deadline_missed"), N(v, "refused"), N(v, "rejected"));
        }

        console.Write(lanes);
        if (root.TryGetProperty("sweep", out var sweep))
        {
            WriteSweep(console, sweep);
        }

        if (baseline is { Count: > 0 })
        {
            var deltas = new Table().Title("Against the baseline").AddColumn("figure").AddColumn(new TableColumn("baseline ms").RightAligned())
                .AddColumn(new TableColumn("now ms").RightAligned()).AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("");
            foreach (var d in baseline)
            {
                deltas.AddRow(d.Key, d.Baseline.ToString("F2", Invariant), d.Current.ToString("F2", Invariant), double.IsFinite(d.Ratio) ? d.Ratio.ToString("F2", Invariant) : "-", d.Regression ? "[red]REGRESSION[/]" : string.Empty);
            }

            console.Write(deltas);
            foreach (var d in baseline.Where(d => d.Regression))
            {
                console.MarkupLine($"[red]Regression:[/] {Markup.Escape(Baseline.Describe(d))}");
            }
        }
        var cloud = root.GetProperty("cloud");
        var table = new Table().Title("Cloud questions").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        foreach (var name in new[] { "asked", "sent", "queued_offline", "answered", "delivered_after_reconnect", "expired", "failed", "lost", "reconnects" })
        {
            table.AddRow(name.Replace('_', ' '), N(cloud, name));
        }

        table.AddRow("answer p50 / p99 ms", $"{F(cloud, "answer_p50_ms")} / {F(cloud, "answer_p99_ms")}");
        console.Write(table);
        var accuracy = root.GetProperty("accuracy");
        if (accuracy.GetProperty("expectations").GetInt32() > 0)
        {
            console.MarkupLine($"Expectations: intent {N(accuracy, "intent_correct")}/{N(accuracy, "intent_checked")}, outcome {N(accuracy, "outcome_correct")}/{N(accuracy, "outcome_checked")}");
        }

        if (!gated)
        {
            return;
        }

        if (violations.Count == 0)
        {
            console.MarkupLine("[green]Budgets: pass[/]");
            return;
        }

        foreach (var v in violations)
        {
            console.MarkupLine($"[red]Budget broken:[/] {Markup.Escape(v.Key)} = {v.Actual} > {v.Limit}");
        }
    }

    private static readonly System.Globalization.CultureInfo Invariant = System.Globalization.CultureInfo.InvariantCulture;

    private static void WriteSweep(IAnsiConsole console, JsonElement sweep)
    {
        var lanes = sweep.GetProperty("lanes").EnumerateObject().ToList();
        var table = new Table().Title("Capacity curve: p50 / p99 ms (misses) against load, events N× denser").AddColumn(new TableColumn("load").RightAligned());
        foreach (var lane in lanes)
        {
            table.AddColumn(new TableColumn(lane.Name).RightAligned());
        }

        var factors = sweep.GetProperty("factors").EnumerateArray().Select(f => f.GetDouble()).ToList();
        for (var i = 0; i < factors.Count; i++)
        {
            var cells = new List<string> { factors[i].ToString(Invariant) + "×" };
            foreach (var lane in lanes)
            {
                var point = lane.Value.EnumerateArray().ElementAtOrDefault(i);
                if (point.ValueKind != JsonValueKind.Object)
                {
                    cells.Add("-");
                    continue;
                }

                var misses = point.GetProperty("deadline_missed").GetInt32() + point.GetProperty("rejected").GetInt32();
                cells.Add($"{F(point, "p50_ms")} / {F(point, "p99_ms")}{(misses > 0 ? $" [red]({misses})[/]" : string.Empty)}");
            }

            table.AddRow([.. cells]);
        }

        var knees = new List<string> { "knee" };
        foreach (var lane in lanes)
        {
            var knee = sweep.GetProperty("knee").GetProperty(lane.Name);
            knees.Add(knee.ValueKind == JsonValueKind.Number ? knee.GetDouble().ToString(Invariant) + "×" : "none");
        }

        table.AddRow([.. knees]);
        console.Write(table);
    }

    private static string Spread(JsonElement runs, string lane, JsonElement value, string name)
    {
        if (runs.ValueKind != JsonValueKind.Object || !runs.GetProperty("figures").TryGetProperty($"lanes.{lane}.{name}", out var figure))
        {
            return F(value, name);
        }

        return $"{F(value, name)} ({figure.GetProperty("min").GetDouble().ToString("F2", Invariant)}-{figure.GetProperty("max").GetDouble().ToString("F2", Invariant)})";
    }

    private static string N(JsonElement e, string name) => e.GetProperty(name).GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string F(JsonElement e, string name) => e.GetProperty(name).GetDouble().ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
