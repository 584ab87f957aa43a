using BenchmarkDotNet.Running;

// `accuracy [-v] [--sweep] FILE...`: accuracy of the shipped pipeline on labelled JSONL.
// `latency COUNT FILE...`: warm start and latency percentiles, in-process.
// `channel COUNT DATA_DIR [int8|fp32]`: command-channel latency unloaded vs loaded, deadline misses, overhead (default: the default precision).
// `bus-rtt COUNT`, `bus-throughput COUNT`, `bus-faults RESTARTS`: the bus against a real Mosquitto (started here).
// `voice ROUNDS`: the speech front end: end of speech -> outcome, recognition real-time factor, VAD cost per frame.
// `privacy COUNT`: redaction + re-identification and egress-guard cost per query.
// `soak QUERIES COMMANDS`: RSS, heap, descriptors and threads across QUERIES bus queries and COMMANDS channel commands.
// `dialogue COUNT`: what context costs: a confirmation, a follow-up and an undo beside a plain command.
// `serve COUNT`: the local API's cost: the same commands in process and to `serve` over its Unix socket.
// `rig-clocks TRACE SPEED`: the replay's compressed clock beside the real-time clock at SPEED, same trace, same process.
// Anything else goes to BenchmarkDotNet (e.g. `--filter '*'`).
switch (args.FirstOrDefault())
{
    case "accuracy":
        var verbose = args.Contains("-v");
        var files = args.Skip(1).Where(a => !a.StartsWith('-')).ToList();
        foreach (var threshold in args.Contains("--sweep") ? [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6] : new double?[] { null })
        {
            Vehicle.Perf.Accuracy.Run(files, verbose, threshold);
        }

        break;
    case "channel":
        Vehicle.Perf.ChannelLoad.Run(
            args[2],
            int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
            args.Length > 3 ? Enum.Parse<Vehicle.Runtime.Nlu.ModelPrecision>(args[3], ignoreCase: true) : new Vehicle.Runtime.Nlu.NluOptions().Precision);
        break;
    case "latency":
        Vehicle.Perf.Latency.Run([.. args.Skip(2)], int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "bus-rtt":
        await Vehicle.Perf.BusBench.RoundTripAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "bus-throughput":
        await Vehicle.Perf.BusBench.ThroughputAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "bus-faults":
        await Vehicle.Perf.BusBench.FaultsAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "voice":
        Vehicle.Perf.VoiceBench.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "rig-clocks":
        await Vehicle.Perf.RigClocks.RunAsync(args[1], double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "soak":
        await Vehicle.Perf.Soak.RunAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "dialogue":
        await Vehicle.Perf.DialogueBench.RunAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "serve":
        await Vehicle.Perf.ServeBench.RunAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    case "privacy":
        Vehicle.Perf.PrivacyBench.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Vehicle.Perf.Accuracy).Assembly).Run(args);
        break;
}
