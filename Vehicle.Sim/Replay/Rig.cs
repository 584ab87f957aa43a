using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vehicle.Sim.Report;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Replay;

/// <summary>What the rig does around the replay itself.</summary>
public sealed class RigOptions
{
    /// <summary>Replays to make after one warm-up run; more than one folds them into medians (<see cref="Repeats"/>). Default: 1 (no warm-up).</summary>
    public int Runs { get; set; } = 1;

    /// <summary>Load factors for a capacity curve (<see cref="Sweep"/>); null: none.</summary>
    public IReadOnlyList<double>? Sweep { get; set; }

    /// <summary>A previous report.json to compare with (<see cref="Report.Baseline"/>); null: none.</summary>
    public string? BaselineFile { get; set; }

    /// <summary>Worse than this × the baseline is a regression. Default: 1.25.</summary>
    public double Tolerance { get; set; } = Report.Baseline.DefaultTolerance;

    /// <summary>... and worse by more than this many milliseconds. Default: 1.</summary>
    public double FloorMs { get; set; } = Report.Baseline.DefaultFloorMs;

    /// <summary>The budgets in force, recorded in the report (the HTML marks them).</summary>
    public IReadOnlyDictionary<string, double> Budgets { get; set; } = new Dictionary<string, double>();
}

/// <summary>The rig's result: the report (medians, sweep and baseline sections included) and the baseline comparison.</summary>
/// <param name="Report">report.json.</param>
/// <param name="Baseline">Each figure against the baseline; empty without one.</param>
/// <param name="BaselineJson">The baseline's report.json text, for the HTML; null without one.</param>
public sealed record RigResult(SimReport Report, IReadOnlyList<BaselineDelta> Baseline, string? BaselineJson);

/// <summary>
/// The latency rig around <see cref="Replayer"/>: repeats (<c>--runs</c>, after a warm-up run),
/// the capacity curve (<c>--sweep</c>) and the baseline comparison (<c>--baseline</c>), all in one
/// process and into one report.
/// </summary>
public static class Rig
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Runs what <paramref name="rig"/> asks for and builds one report.</summary>
    /// <exception cref="ArgumentException">A sweep with the virtual clock, or runs below 1.</exception>
    /// <exception cref="InvalidDataException">The baseline is not a report.json.</exception>
    public static async Task<RigResult> RunAsync(DriveTrace trace, string traceName, ReplayOptions options, RigOptions rig, IProgress<double>? progress = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentOutOfRangeException.ThrowIfLessThan(rig.Runs, 1);
        if (rig.Sweep is not null && options.Clock == ClockMode.Virtual)
        {
            throw new ArgumentException("--sweep needs the compressed or real-time clock: virtual time charges no time for work, so every latency would be 0");
        }

        string? baselineJson = null;
        JsonDocument? baseline = null;
        if (rig.BaselineFile is { } file)
        {
            baselineJson = await File.ReadAllTextAsync(file).ConfigureAwait(false);
            try
            {
                baseline = JsonDocument.Parse(baselineJson);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{file}: not a report.json ({e.Message})", e);
            }
        }

        using (baseline)
        {
            JsonObject? node = null;
            SimReport report;
            if (rig.Runs > 1)
            {
                // One warm-up run first: JIT, the model's first sessions and the OS's caches are not what is measured.
                await Replayer.RunAsync(trace, traceName, options, null, loggerFactory).ConfigureAwait(false);
                var runs = new List<string>();
                for (var i = 0; i < rig.Runs; i++)
                {
                    runs.Add((await Replayer.RunAsync(trace, traceName, options, progress, loggerFactory).ConfigureAwait(false)).Json);
                }

                node = Repeats.Combine(runs, warmups: 1);
                report = Parse(node);
            }
            else
            {
                report = await Replayer.RunAsync(trace, traceName, options, progress, loggerFactory).ConfigureAwait(false);
            }

            if (rig.Sweep is { } factors)
            {
                var points = new List<(double, JsonElement)>();
                var documents = new List<JsonDocument>();
                foreach (var factor in factors)
                {
                    var point = await Replayer.RunAsync(Report.Sweep.Denser(trace, factor), traceName, options, null, loggerFactory).ConfigureAwait(false);
                    documents.Add(point.Document);
                    points.Add((factor, point.Document.RootElement));
                }

                node ??= JsonNode.Parse(report.Json)!.AsObject();
                node["sweep"] = Report.Sweep.ToJson(points);
                documents.ForEach(d => d.Dispose());
            }

            IReadOnlyList<BaselineDelta> deltas = [];
            if (baseline is not null)
            {
                deltas = Report.Baseline.Compare(report.Document.RootElement, baseline.RootElement, rig.Tolerance, rig.FloorMs);
                node ??= JsonNode.Parse(report.Json)!.AsObject();
                node["baseline"] = Report.Baseline.ToJson(rig.BaselineFile!, rig.Tolerance, rig.FloorMs, deltas);
            }

            if (rig.Budgets.Count > 0)
            {
                node ??= JsonNode.Parse(report.Json)!.AsObject();
                node["budgets"] = new JsonObject([.. rig.Budgets.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => KeyValuePair.Create(b.Key, (JsonNode?)b.Value))]);
            }

            // Without repeats, a sweep, a baseline or budgets the report is the replay's own text
            // (byte-identical in virtual time).
            return new RigResult(node is null ? report : Parse(node), deltas, baselineJson);
        }
    }

    private static SimReport Parse(JsonObject node)
    {
        var text = node.ToJsonString(Indented) + "\n";
        return new SimReport(text, JsonDocument.Parse(text));
    }
}
