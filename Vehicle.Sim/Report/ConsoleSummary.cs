using System.Text.Json;
using Spectre.Console;

namespace Vehicle.Sim.Report;

/// <summary>The summary a person reads after a replay (Spectre.Console tables).</summary>
internal static class ConsoleSummary
{
    public static void Write(IAnsiConsole console, JsonDocument report, IReadOnlyList<BudgetViolation> violations, bool gated)
    {
        var root = report.RootElement;
        var run = root.GetProperty("run");
        console.MarkupLine($"[bold]Replay of {Markup.Escape(run.GetProperty("trace").GetString()!)}[/]: {run.GetProperty("events").GetInt32()} events, {run.GetProperty("simulated_s").GetDouble():F1} s of drive, {run.GetProperty("clock").GetString()} clock, seed {run.GetProperty("seed").GetInt32()}");
        var lanes = new Table().Title("Lanes: admission to outcome (ms); all fields in report.json");
        foreach (var column in new[] { "lane", "count", "p50", "p99", "max", "missed", "refused", "rejected" })
        {
            lanes.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var lane in root.GetProperty("lanes").EnumerateObject())
        {
            var v = lane.Value;
            lanes.AddRow(lane.Name, N(v, "count"), F(v, "p50_ms"), F(v, "p99_ms"), F(v, "max_ms"), N(v, "deadline_missed"), N(v, "refused"), N(v, "rejected"));
        }

        console.Write(lanes);
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

    private static string N(JsonElement e, string name) => e.GetProperty(name).GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string F(JsonElement e, string name) => e.GetProperty(name).GetDouble().ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
