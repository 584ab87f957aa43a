using System.Diagnostics;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>
/// End-to-end numbers the issue targets, in one process: warm start (load + warm-up + catalog
/// preparation from a warm cache), and text-to-result latency percentiles at batch 1 over the
/// held-out corpora, fp32 and int8, for 1 and 2 intra-op threads, measured in the same run
/// (compare as ratios).
/// </summary>
internal static class Latency
{
    public static void Run(IReadOnlyList<string> corpusFiles, int count)
    {
        var texts = corpusFiles.SelectMany(f => NluEvaluation.ReadJsonl(f)).Select(u => u.Text).ToList();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; corpus {texts.Count} lines, {count} calls per configuration");

        // The first Create fills the caches (if they were cold); the next three are warm starts.
        Understander.Create(new NluOptions()).Dispose();
        var starts = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            using var warm = Understander.Create(new NluOptions());
            starts.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"warm start (load + warm-up + cached catalog preparation): median {Median(starts):F0} ms of {string.Join(", ", starts.Select(s => s.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");

        foreach (var (precision, threads) in new[] { (ModelPrecision.Fp32, 1), (ModelPrecision.Int8, 1), (ModelPrecision.Fp32, 2), (ModelPrecision.Int8, 2) })
        {
            using var understander = Understander.Create(new NluOptions { IntraOpThreads = threads, Precision = precision });
            for (var i = 0; i < 200; i++)
            {
                understander.Understand(texts[i % texts.Count]);
            }

            var samples = new double[count];
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                understander.Understand(texts[i % texts.Count]);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(samples);
            Console.WriteLine($"{precision}, intra-op threads {threads}: p50 {P(samples, 0.50):F2} ms, p90 {P(samples, 0.90):F2} ms, p99 {P(samples, 0.99):F2} ms, max {samples[^1]:F2} ms");
        }
    }

    private static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static double Median(List<double> values) => P([.. values.Order()], 0.5);
}
