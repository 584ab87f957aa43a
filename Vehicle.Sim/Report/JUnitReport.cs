using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Report;

/// <summary>
/// <c>--junit FILE</c>: the verdict as JUnit XML, which Jenkins, GitLab and most CI servers read.
/// One test suite per kind of check: <c>budgets</c> (one case per budget, failing with the measured
/// value), <c>expectations</c> (one case per utterance with an <c>expect</c>, failing with what
/// happened instead) and, with a baseline, <c>baseline</c> (one case per figure compared).
/// </summary>
public static class JUnitReport
{
    /// <summary>The JUnit document.</summary>
    public static XDocument Build(
        JsonElement report,
        DriveTrace trace,
        IReadOnlyDictionary<string, double> budgets,
        IReadOnlyList<BudgetViolation> violations,
        IReadOnlyList<BaselineDelta> baseline)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(budgets);
        ArgumentNullException.ThrowIfNull(violations);
        ArgumentNullException.ThrowIfNull(baseline);
        var name = report.GetProperty("run").GetProperty("trace").GetString() ?? "trace";
        var suites = new XElement("testsuites", new XAttribute("name", "replay " + name));

        var broken = violations.ToDictionary(v => v.Key, StringComparer.Ordinal);
        suites.Add(Suite("budgets", budgets.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b =>
            Case("budgets", b.Key, broken.TryGetValue(b.Key, out var v)
                ? $"{b.Key} = {(v.Actual is { } actual ? F(actual) : "missing")} > {F(b.Value)}"
                : null))));

        var outcomes = report.GetProperty("timeline").GetProperty("commands").EnumerateArray()
            .GroupBy(c => c.GetProperty("line").GetInt32())
            .ToDictionary(g => g.Key, g => g.First());
        suites.Add(Suite("expectations", trace.Events.OfType<UtteranceEvent>()
            .Where(u => u.ExpectIntent is not null || u.ExpectOutcome is not null)
            .Select(u => Case("expectations", $"line {u.Line}: {u.Text}", Mismatch(u, outcomes.GetValueOrDefault(u.Line))))));

        if (baseline.Count > 0)
        {
            suites.Add(Suite("baseline", baseline.Select(d => Case("baseline", d.Key, d.Regression
                ? $"{d.Key} = {F(d.Current)} ms, baseline {F(d.Baseline)} ms (×{F(d.Ratio)})"
                : null))));
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites);
    }

    private static string? Mismatch(UtteranceEvent utterance, JsonElement command)
    {
        if (command.ValueKind != JsonValueKind.Object)
        {
            return "no outcome was reported";
        }

        var problems = new List<string>();
        var intent = command.GetProperty("intent").GetString();
        var outcome = command.GetProperty("outcome").GetString();
        if (utterance.ExpectIntent is { } expectedIntent && expectedIntent != intent)
        {
            problems.Add($"intent: expected {expectedIntent}, got {intent}");
        }

        if (utterance.ExpectOutcome is { } expectedOutcome && expectedOutcome != outcome)
        {
            problems.Add($"outcome: expected {expectedOutcome}, got {outcome}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static XElement Suite(string name, IEnumerable<XElement> cases)
    {
        var list = cases.ToList();
        return new XElement(
            "testsuite",
            new XAttribute("name", name),
            new XAttribute("tests", list.Count),
            new XAttribute("failures", list.Count(c => c.Element("failure") is not null)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", 0),
            list);
    }

    private static XElement Case(string suite, string name, string? failure)
    {
        var element = new XElement("testcase", new XAttribute("classname", "replay." + suite), new XAttribute("name", name));
        if (failure is not null)
        {
            element.Add(new XElement("failure", new XAttribute("message", failure), new XAttribute("type", suite), failure));
        }

        return element;
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
