using System.Diagnostics;
using System.Text.RegularExpressions;
using Vehicle.Sim.Replay;
using Vehicle.Sim.Report;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Tests;

/// <summary>report.html opened in headless Chromium (Debian package chromium): its script must draw the charts.</summary>
public sealed partial class HtmlReportTests
{
    [Fact]
    public async Task The_html_report_renders_a_cdf_per_lane_and_the_timeline_in_headless_chromium()
    {
        var trace = TraceReader.Read(new StringReader("""
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 50}
            {"t": 1, "type": "utterance", "text": "open my window halfway"}
            {"t": 2, "type": "utterance", "text": "how much range do I have left"}
            {"t": 3, "type": "connectivity", "online": false}
            {"t": 4, "type": "utterance", "text": "who wrote </script> hamlet"}
            {"t": 6, "type": "connectivity", "online": true}
            {"t": 7, "type": "signal", "path": "Vehicle.Speed", "value": 70}
            """), "page.jsonl");
        var report = await Replayer.RunAsync(trace, "page.jsonl", new ReplayOptions { Clock = ClockMode.Realtime, Speed = 4, Drain = TimeSpan.FromSeconds(10) });
        var directory = Directory.CreateTempSubdirectory("html-report-");
        try
        {
            var page = Path.Combine(directory.FullName, "report.html");
            await File.WriteAllTextAsync(page, HtmlReport.Render(report.Json));
            var dom = await DumpDomAsync(page, directory.FullName);

            Assert.Contains("data-rendered=\"true\"", dom, StringComparison.Ordinal);
            Assert.Equal(3, CdfLines().Count(dom));
            Assert.Equal(3, Commands().Count(dom));
            Assert.Equal(1, Offline().Count(dom));
            Assert.Equal(1, SpeedLine().Count(dom));
            Assert.Contains("Replay of page.jsonl", dom, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_html_report_overlays_the_baseline_marks_budgets_and_draws_the_capacity_curve()
    {
        var trace = TraceReader.Read(new StringReader("""
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 50}
            {"t": 1, "type": "utterance", "text": "open my window halfway"}
            {"t": 3, "type": "utterance", "text": "how much range do I have left"}
            {"t": 5, "type": "utterance", "text": "close the window"}
            """), "overlay.jsonl");
        var directory = Directory.CreateTempSubdirectory("html-overlay-");
        try
        {
            var baseline = Path.Combine(directory.FullName, "baseline.json");
            await File.WriteAllTextAsync(baseline, (await Replayer.RunAsync(trace, "overlay.jsonl", new ReplayOptions())).Json);
            var result = await Rig.RunAsync(trace, "overlay.jsonl", new ReplayOptions(), new RigOptions
            {
                Sweep = [1, 3],
                BaselineFile = baseline,
                Budgets = new Dictionary<string, double> { ["lanes.critical.p99_ms"] = 50, ["cloud.lost"] = 0 },
            });
            var page = Path.Combine(directory.FullName, "report.html");
            await File.WriteAllTextAsync(page, HtmlReport.Render(result.Report.Json, result.BaselineJson));

            var dom = await DumpDomAsync(page, directory.FullName);

            Assert.Contains("data-rendered=\"true\"", dom, StringComparison.Ordinal);
            Assert.Equal(2, CdfLines().Count(dom));
            Assert.Equal(2, BaselineLines().Count(dom));
            Assert.Equal(1, BudgetLines().Count(dom)); // a latency budget is a line; cloud.lost is not
            Assert.Equal(2, SweepLines().Count(dom));
            Assert.Contains("latency, ms (log scale)", dom, StringComparison.Ordinal);
            Assert.Contains(">10<", dom, StringComparison.Ordinal); // a decade tick of the log axis
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> DumpDomAsync(string page, string profile)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : "chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(profile, "chromium")}", "--dump-dom", new Uri(page).AbsoluteUri })
        {
            start.ArgumentList.Add(argument);
        }

        using var chromium = Process.Start(start)!;
        var dom = chromium.StandardOutput.ReadToEndAsync();
        var log = chromium.StandardError.ReadToEndAsync();
        await chromium.WaitForExitAsync();
        Assert.True(chromium.ExitCode == 0, await log);
        return await dom;
    }

    [GeneratedRegex("class=\"cdf-line\"")]
    private static partial Regex CdfLines();

    [GeneratedRegex("class=\"baseline-line\"")]
    private static partial Regex BaselineLines();

    [GeneratedRegex("class=\"budget\"")]
    private static partial Regex BudgetLines();

    [GeneratedRegex("class=\"sweep-line\"")]
    private static partial Regex SweepLines();

    [GeneratedRegex("class=\"command\"")]
    private static partial Regex Commands();

    [GeneratedRegex("class=\"offline\"")]
    private static partial Regex Offline();

    [GeneratedRegex("class=\"speed-line\"")]
    private static partial Regex SpeedLine();
}
