using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Spectre.Console;
using Vehicle.Runtime.Hosting;
using Vehicle.Voice;
using Vehicle.Sim.Import;
using Vehicle.Sim.Replay;
using Vehicle.Sim.Report;
using Vehicle.Sim.Trace;

// Exit codes: 0 pass, 1 a budget was broken, 2 bad input (trace, budgets, arguments).
const int BadInput = 2;

// The car's configuration as every host reads it (appsettings.json beside the binary, then
// environment variables); only the log levels differ: the bus's reconnect warnings are the point of
// a tunnel, and the report counts them.
var configuration = new ConfigurationBuilder()
    .AddConfiguration(CopilotConfiguration.Load())
    .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning", ["Logging:LogLevel:Vehicle.Bus"] = "Error" })
    .Build();
using var loggers = CopilotConfiguration.CreateLogging(configuration);

var traceArgument = new Argument<FileInfo>("trace") { Description = "JSONL drive trace (see traces/trace.schema.json)." };
var clockOption = new Option<string>("--clock") { Description = "compressed (default: fast and honest, real time while work is in flight, idle time skipped), virtual (zero-cost, deterministic outcomes) or realtime (wall-clock pacing).", DefaultValueFactory = _ => "compressed" };
var speedOption = new Option<double>("--speed") { Description = "Real-time speed factor.", DefaultValueFactory = _ => 1 };
var outOption = new Option<DirectoryInfo>("--out") { Description = "Where report.json and report.html go.", DefaultValueFactory = _ => new DirectoryInfo("replay-out") };
var budgetsOption = new Option<FileInfo?>("--budgets") { Description = "JSON file of budgets: {\"lanes.critical.p99_ms\": 50, \"cloud.lost\": 0}." };
var budgetOption = new Option<string[]>("--budget") { Description = "One budget, KEY=LIMIT (repeatable).", AllowMultipleArgumentsPerToken = false };
var brokerOption = new Option<string?>("--broker") { Description = "A real broker, mqtt://host:port (default: the embedded one)." };
var seedOption = new Option<int>("--seed") { Description = "Seed of everything random.", DefaultValueFactory = _ => 1 };
var lenientOption = new Option<bool>("--lenient") { Description = "Skip and count bad trace lines instead of stopping." };
var cloudLatencyOption = new Option<double>("--cloud-latency-ms") { Description = "Median think time of the built-in cloud.", DefaultValueFactory = _ => 300 };
var baselineOption = new Option<FileInfo?>("--baseline") { Description = "A previous report.json: print each lane's p50/p99/max and the cloud's deltas; a regression exits 1." };
var toleranceOption = new Option<double>("--tolerance") { Description = "Worse than this times the baseline is a regression (with --baseline).", DefaultValueFactory = _ => Baseline.DefaultTolerance };
var floorOption = new Option<double>("--floor-ms") { Description = "... and worse by more than this many ms (with --baseline).", DefaultValueFactory = _ => Baseline.DefaultFloorMs };
var runsOption = new Option<int>("--runs") { Description = "Replay N times after one warm-up run and report each figure's median and spread; budgets and baselines read the median.", DefaultValueFactory = _ => 1 };
var sweepOption = new Option<string?>("--sweep") { Description = "Load factors, e.g. 1,2,5,10,20: the trace replayed with events N times denser; p50/p99 and misses per lane against load, and the knee." };
var junitOption = new Option<FileInfo?>("--junit") { Description = "Write the verdict as JUnit XML (a case per budget, expectation and baseline figure)." };

var replay = new Command("replay", "Replay a drive trace through the runtime, the bus and the cloud responder; report latencies, outcomes and a budget verdict.")
{
    traceArgument, clockOption, speedOption, outOption, budgetsOption, budgetOption, brokerOption, seedOption, lenientOption, cloudLatencyOption,
    baselineOption, toleranceOption, floorOption, runsOption, sweepOption, junitOption,
};
replay.SetAction(async (parse, cancellationToken) =>
{
    var path = parse.GetValue(traceArgument)!;
    var clock = parse.GetValue(clockOption) switch
    {
        "compressed" => ClockMode.Compressed,
        "virtual" => ClockMode.Virtual,
        "realtime" => ClockMode.Realtime,
        var other => throw new FormatException($"--clock must be compressed, virtual or realtime, not '{other}'"),
    };
    var speed = parse.GetValue(speedOption);
    if (speed <= 0)
    {
        throw new FormatException("--speed must be above 0");
    }

    var budgets = parse.GetValue(budgetsOption) is { } file ? Budgets.Load(file.FullName) : [];
    foreach (var flag in parse.GetValue(budgetOption) ?? [])
    {
        var (key, limit) = Budgets.ParseFlag(flag);
        budgets[key] = limit;
    }

    var trace = TraceReader.Read(path.FullName, parse.GetValue(lenientOption));
    foreach (var skipped in trace.SkippedLines)
    {
        Console.Error.WriteLine($"skipped: {skipped}");
    }

    var options = new ReplayOptions
    {
        Clock = clock,
        Speed = speed,
        Seed = parse.GetValue(seedOption),
        Broker = parse.GetValue(brokerOption),
        CloudLatencyMs = parse.GetValue(cloudLatencyOption),
        AudioDirectory = path.DirectoryName ?? ".",
        Copilot = CopilotOptions.FromConfiguration(configuration),
        Voice = configuration.GetSection(VoiceOptions.SectionName).Get<VoiceOptions>() ?? new VoiceOptions(),
    };
    var rig = new RigOptions
    {
        Runs = parse.GetValue(runsOption) is var runs and >= 1 and <= 100 ? runs : throw new FormatException("--runs must be 1-100"),
        Sweep = parse.GetValue(sweepOption) is { } sweep ? Sweep.ParseFactors(sweep) : null,
        BaselineFile = parse.GetValue(baselineOption)?.FullName,
        Tolerance = parse.GetValue(toleranceOption) is var tolerance and >= 1 ? tolerance : throw new FormatException("--tolerance must be at least 1"),
        FloorMs = parse.GetValue(floorOption) is var floor and >= 0 ? floor : throw new FormatException("--floor-ms must not be negative"),
        Budgets = budgets,
    };
    if (rig.BaselineFile is { } baselineFile && !File.Exists(baselineFile))
    {
        throw new FileNotFoundException($"{baselineFile}: no such baseline report");
    }

    var progressConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    RigResult? result = null;
    await progressConsole.Progress().AutoClear(true).StartAsync(async context =>
    {
        var task = context.AddTask($"replaying {path.Name}", maxValue: 1);
        result = await Rig.RunAsync(trace, path.Name, options, rig, new Progress<double>(p => task.Value = p), loggers);
        task.Value = 1;
    });

    var report = result!.Report;
    var outDirectory = parse.GetValue(outOption)!;
    outDirectory.Create();
    await File.WriteAllTextAsync(Path.Combine(outDirectory.FullName, "report.json"), report.Json, cancellationToken);
    await File.WriteAllTextAsync(Path.Combine(outDirectory.FullName, "report.html"), HtmlReport.Render(report.Json, result.BaselineJson), cancellationToken);
    var violations = Budgets.Check(report.Document, budgets);
    if (parse.GetValue(junitOption) is { } junit)
    {
        JUnitReport.Build(report.Document.RootElement, trace, budgets, violations, result.Baseline).Save(junit.FullName);
    }

    ConsoleSummary.Write(AnsiConsole.Console, report.Document, violations, budgets.Count > 0, result.Baseline);
    Console.Error.WriteLine($"report: {Path.Combine(outDirectory.FullName, "report.json")} and report.html");
    return violations.Count == 0 && !result.Baseline.Any(d => d.Regression) ? 0 : 1;
});

var logArgument = new Argument<FileInfo>("log") { Description = "candump -l log." };
var dbcOption = new Option<FileInfo>("--dbc") { Description = "DBC file.", Required = true };
var mapOption = new Option<FileInfo>("--map") { Description = "YAML mapping of signals to VSS paths.", Required = true };
var candump = new Command("candump", "Decode a candump -l log with a DBC file into trace signal events (JSONL on stdout).") { logArgument, dbcOption, mapOption };
candump.SetAction(parse =>
{
    var dbc = DbcFile.Load(parse.GetValue(dbcOption)!.FullName);
    var mapping = SignalMapping.Load(parse.GetValue(mapOption)!.FullName);
    var count = CandumpImporter.WriteTrace(CandumpImporter.Decode(parse.GetValue(logArgument)!.FullName, dbc, mapping), Console.Out);
    Console.Error.WriteLine($"{count} signal events");
    return 0;
});
var csvArgument = new Argument<FileInfo>("csv") { Description = "CSV signal log with a header row." };
var timeOption = new Option<string>("--time") { Description = "The time column (seconds).", Required = true };
var csv = new Command("csv", "Turn a CSV signal log into trace signal events (JSONL on stdout).") { csvArgument, timeOption, mapOption };
csv.SetAction(parse =>
{
    var mapping = SignalMapping.Load(parse.GetValue(mapOption)!.FullName);
    var count = CandumpImporter.WriteTrace(CsvImporter.Decode(parse.GetValue(csvArgument)!.FullName, parse.GetValue(timeOption)!, mapping), Console.Out);
    Console.Error.WriteLine($"{count} signal events");
    return 0;
});

var root = new RootCommand("Vehicle copilot simulator: drive-trace replay and the latency test rig.")
{
    replay,
    new Command("import", "Turn real recordings into trace events.") { candump, csv },
};
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is TraceFormatException or FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or Microsoft.Extensions.Options.OptionsValidationException or JsonException or KeyNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return BadInput;
}
