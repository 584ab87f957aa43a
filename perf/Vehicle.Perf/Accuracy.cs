using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>Accuracy of the shipped pipeline on labelled JSONL files (see perf/README.md).</summary>
internal static class Accuracy
{
    public static void Run(IEnumerable<string> files, bool verbose, double? threshold = null)
    {
        using var understander = Understander.Create(new NluOptions { OutOfDomainThreshold = threshold });
        Console.WriteLine($"threshold {understander.Threshold:F2}");
        foreach (var file in files)
        {
            var report = NluEvaluation.Evaluate(understander, NluEvaluation.ReadJsonl(file));
            Console.WriteLine($"{Path.GetFileName(file)}: n={report.Count} intent accuracy {report.IntentAccuracy:P1}, cloud P {report.CloudPrecision:F3} R {report.CloudRecall:F3} F1 {report.CloudF1:F3}, slot accuracy {report.SlotAccuracy:P1}");
            if (verbose)
            {
                foreach (var error in report.Errors)
                {
                    Console.WriteLine("  " + error);
                }
            }
        }
    }
}
