using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>Accuracy of the shipped pipeline on labelled JSONL files, fp32 and int8 in the same run (see perf/README.md).</summary>
internal static class Accuracy
{
    public static void Run(IEnumerable<string> files, bool verbose, double? threshold = null)
    {
        var paths = files.ToList();
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

        foreach (var file in paths)
        {
            var (fp32, int8) = (intent[(file, ModelPrecision.Fp32)], intent[(file, ModelPrecision.Int8)]);
            Console.WriteLine($"int8 - fp32, {Path.GetFileName(file)}: intent {(int8.Intent - fp32.Intent) * 100:+0.0;-0.0;0.0} points, slots {(int8.Slot - fp32.Slot) * 100:+0.0;-0.0;0.0} points");
        }
    }
}
