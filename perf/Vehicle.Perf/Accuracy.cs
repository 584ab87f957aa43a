using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Perf;

/// <summary>Accuracy of the shipped pipeline on labelled JSONL files, fp32 and int8 in the same run (see perf/README.md).</summary>
internal static class Accuracy
{
    public static void Run(IEnumerable<string> files, bool verbose, double? threshold = null)
    {
        var all = files.ToList();
        var dialogues = all.Where(f => Path.GetFileName(f).StartsWith("dialogues", StringComparison.Ordinal)).ToList();
        var paths = all.Except(dialogues).ToList();
        var intent = new Dictionary<(string, ModelPrecision), (double Intent, double Slot)>();
        foreach (var precision in new[] { ModelPrecision.Fp32, ModelPrecision.Int8 })
        {
            using var understander = Understander.Create(new NluOptions { OutOfDomainThreshold = threshold, Precision = precision });
            Console.WriteLine($"{precision}: threshold {understander.Threshold:F2}");
            foreach (var file in paths)
            {
                var report = NluEvaluation.Evaluate(understander, NluEvaluation.ReadJsonl(file));
                intent[(file, precision)] = (report.IntentAccuracy, report.SlotAccuracy);
                Console.WriteLine($"  {Path.GetFileName(file)}: n={report.Count} intent accuracy {report.IntentAccuracy:P1}, cloud P {report.CloudPrecision:F3} R {report.CloudRecall:F3} F1 {report.CloudF1:F3}, slot accuracy {report.SlotAccuracy:P1}");
                if (verbose)
                {
                    foreach (var error in report.Errors)
                    {
                        Console.WriteLine("    " + error);
                    }
                }
            }
        }

        foreach (var file in dialogues)
        {
            Dialogues(file, verbose, threshold);
        }

        foreach (var file in paths)
        {
            var (fp32, int8) = (intent[(file, ModelPrecision.Fp32)], intent[(file, ModelPrecision.Int8)]);
            Console.WriteLine($"int8 - fp32, {Path.GetFileName(file)}: intent {(int8.Intent - fp32.Intent) * 100:+0.0;-0.0;0.0} points, slots {(int8.Slot - fp32.Slot) * 100:+0.0;-0.0;0.0} points");
        }
    }

    /// <summary>Multi-turn dialogues (fp32): each on a fresh car sharing one pair of understanders.</summary>
    private static void Dialogues(string file, bool verbose, double? threshold)
    {
        using var critical = Understander.Create(new NluOptions { OutOfDomainThreshold = threshold });
        using var intake = critical.CreateSibling();
        var profile = Path.Combine(Path.GetTempPath(), $"vehicle-perf-dialogues-{Environment.ProcessId}.db");
        try
        {
            var report = DialogueEvaluation.EvaluateAsync(
                file,
                store =>
                {
                    var options = new CopilotOptions { Cloud = { Mode = CloudMode.Off } };
                    options.Profile.Path = profile;
                    return CopilotHost.StartAsync(options, new CopilotServices { Signals = store, Understanders = () => (new UnownedUnderstander(critical), new UnownedUnderstander(intake)) });
                },
                new VehicleOptions().ResolveSignalsPath()).GetAwaiter().GetResult();
            Console.WriteLine($"  {Path.GetFileName(file)}: {report.Right}/{report.Turns} turns right ({report.Accuracy:P1})");
            if (verbose)
            {
                foreach (var error in report.Errors)
                {
                    Console.WriteLine("    " + error);
                }
            }
        }
        finally
        {
            ProfileStore.Delete(profile);
        }
    }
}
