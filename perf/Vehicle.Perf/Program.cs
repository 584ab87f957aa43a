using BenchmarkDotNet.Running;

// `accuracy [-v] FILE...` scores the shipped pipeline on labelled JSONL; anything else goes to
// BenchmarkDotNet (e.g. `--filter '*'`).
if (args.Length > 0 && args[0] == "accuracy")
{
    var verbose = args.Contains("-v");
    var sweep = args.Contains("--sweep");
    var files = args.Skip(1).Where(a => !a.StartsWith('-')).ToList();
    foreach (var threshold in sweep ? [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6] : new double?[] { null })
    {
        Vehicle.Perf.Accuracy.Run(files, verbose, threshold);
    }
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Vehicle.Perf.Accuracy).Assembly).Run(args);
