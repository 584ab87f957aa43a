using System.CommandLine;
using Vehicle.Runtime.Cli;
using Vehicle.Runtime.Nlu;

// stdout carries only results: everything else that writes to Console.Out (loggers, the console
// telemetry exporter) is sent to stderr, and results go to the raw stdout stream.
var stdout = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

var seatOption = new Option<string>("--seat")
{
    Description = "Speaker's seat: driver, passenger, rear_left, rear_right.",
    DefaultValueFactory = _ => "driver",
};
var batchOption = new Option<bool>("--batch") { Description = "Read one utterance per line on stdin; write one JSON object per line on stdout." };
var textArgument = new Argument<string?>("text") { Description = "The utterance.", Arity = ArgumentArity.ZeroOrOne };

var ask = new Command("ask", "Understand an utterance: intent, slots, confidence and route, as JSON.") { textArgument, batchOption, seatOption };
ask.SetAction(parse =>
{
    if (!SeatNames.TryParse(parse.GetValue(seatOption), out var seat))
    {
        Console.Error.WriteLine($"Unknown seat '{parse.GetValue(seatOption)}': use driver, passenger, rear_left or rear_right.");
        return 2;
    }

    var batch = parse.GetValue(batchOption);
    var text = parse.GetValue(textArgument);
    if (batch == (text is not null))
    {
        Console.Error.WriteLine("Give either an utterance or --batch.");
        return 2;
    }

    using var app = CliApp.Start();
    using var understander = Understander.Create(app.Nlu, app.LoggerFactory);
    using var writer = new ResultWriter(stdout);
    if (!batch)
    {
        writer.Write(understander.Understand(text, seat));
        return 0;
    }

    using var reader = new LineReader(Console.OpenStandardInput());
    while (reader.ReadLine() is var (line, valid))
    {
        writer.Write(valid ? understander.Understand(line, seat) : Understander.Rejected(line, "invalid_utf8"));
    }

    return 0;
});

var export = new Command("export", "Write every example phrase as JSONL {\"text\",\"intent\"}, to train other NLU engines on the same data.");
export.SetAction(_ =>
{
    using var app = CliApp.Start();
    CatalogExport.Write(app.Nlu, stdout);
    return 0;
});

var root = new RootCommand("Vehicle copilot runtime: on-board command understanding.")
{
    ask,
    new Command("catalog", "Intent catalog tools.") { export },
};

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is Vehicle.Runtime.Catalog.CatalogException or FileNotFoundException or InvalidDataException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
