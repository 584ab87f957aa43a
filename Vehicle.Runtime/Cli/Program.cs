using System.CommandLine;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Cli;
using Vehicle.Runtime.Cli.Serve;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;

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
    var car = app.StartCar();
    try
    {
        using var writer = new OutcomeJsonWriter(stdout);
        if (!batch)
        {
            Write(writer, car, new CommandRequest(text!, seat));
            return 0;
        }

        using var reader = new LineReader(Console.OpenStandardInput());
        while (reader.ReadLine() is var (line, valid))
        {
            if (valid && BatchLine.Parse(line, seat) is (var said, var speaker, var conversation, null))
            {
                Write(writer, car, new CommandRequest(said, speaker, Conversation: conversation));
            }
            else if (valid)
            {
                writer.Write(Understander.Rejected(line, BatchLine.Parse(line, seat).Error!));
            }
            else
            {
                writer.Write(Understander.Rejected(line, "invalid_utf8"));
            }
        }

        return 0;
    }
    finally
    {
        car.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
});

var chat = new Command("chat", "Interactive prompt: type commands, see outcome, response and changed signals; :state, :set PATH VALUE, :quit.") { seatOption };
chat.SetAction(parse =>
{
    if (!SeatNames.TryParse(parse.GetValue(seatOption), out var seat))
    {
        Console.Error.WriteLine($"Unknown seat '{parse.GetValue(seatOption)}': use driver, passenger, rear_left or rear_right.");
        return 2;
    }

    using var app = CliApp.Start();
    var car = app.StartCar();
    try
    {
        using var output = new StreamWriter(stdout) { AutoFlush = true };
        ChatSession.Run(car, seat, Console.In, output);
        return 0;
    }
    finally
    {
        car.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
});

var export = new Command("export", "Write every example phrase as JSONL {\"text\",\"intent\"}, to train other NLU engines on the same data.");
export.SetAction(_ =>
{
    using var app = CliApp.Start();
    CatalogExport.Write(app.Options.Nlu, stdout);
    return 0;
});

var redact = new Command("redact", "Show what would leave the car: one JSON line per text with the redacted form and the entities replaced.") { textArgument, batchOption };
redact.SetAction(parse =>
{
    var batch = parse.GetValue(batchOption);
    var text = parse.GetValue(textArgument);
    if (batch == (text is not null))
    {
        Console.Error.WriteLine("Give either a text or --batch.");
        return 2;
    }

    using var app = CliApp.Start();
    using var profile = app.OpenProfile();
    var privacy = new CloudPrivacy(app.Options.Privacy, () => profile.Current);
    using var reader = new LineReader(Console.OpenStandardInput());
    RedactCommand.Run(privacy, batch ? Lines(reader) : [(text!, true)], stdout);
    return 0;
});

var fileArgument = new Argument<FileInfo>("file") { Description = "A profile JSON file." };
var profileImport = new Command("import", "Replace the on-board profile with a JSON file (contacts, places, preferences, history).") { fileArgument };
profileImport.SetAction(parse =>
{
    using var app = CliApp.Start();
    using var profile = app.OpenProfile();
    profile.ImportFile(parse.GetValue(fileArgument)!.FullName);
    var data = profile.Current.Data;
    Console.Error.WriteLine($"imported {data.Contacts.Count} contacts, {data.Places.Count} places, {data.Preferences.Count} preferences, {data.History.Count} history entries");
    return 0;
});
var profileExport = new Command("export", "Write the on-board profile as JSON to stdout.");
profileExport.SetAction(_ =>
{
    using var app = CliApp.Start();
    using var profile = app.OpenProfile();
    using var writer = new StreamWriter(stdout);
    writer.WriteLine(profile.Export());
    return 0;
});
var profileWipe = new Command("wipe", "Delete everything in the on-board profile.");
profileWipe.SetAction(_ =>
{
    using var app = CliApp.Start();
    using var profile = app.OpenProfile();
    profile.Wipe();
    Console.Error.WriteLine("profile wiped");
    return 0;
});

var configOption = new Option<FileInfo?>("--config") { Description = "A JSON settings file read after appsettings.json and before environment variables." };
var serve = new Command("serve", "Run the copilot as a service until stopped (SIGTERM, Ctrl+C): the local gRPC API on a Unix socket (Serve:Socket), optionally TCP with mutual TLS, gRPC health, systemd readiness.") { configOption };
serve.SetAction(parse => ServeHost.Run(parse.GetValue(configOption)?.FullName));

var root = new RootCommand("Vehicle copilot runtime: on-board command understanding and the real-time command channel.")
{
    ask,
    chat,
    serve,
    new Command("catalog", "Intent catalog tools.") { export },
    redact,
    new Command("profile", "The driver's on-board profile.") { profileImport, profileExport, profileWipe },
};

static IEnumerable<(string Line, bool Valid)> Lines(LineReader reader)
{
    while (reader.ReadLine() is { } line)
    {
        yield return line;
    }
}

static void Write(OutcomeJsonWriter writer, CopilotHost car, CommandRequest request)
{
    var outcome = car.SubmitAsync(request).AsTask().GetAwaiter().GetResult();
    var cloud = car.WaitForCloudAsync(outcome).GetAwaiter().GetResult();
    writer.Write(outcome.Understanding ?? Understander.Rejected(outcome.Utterance, outcome.Reason ?? "rejected"), outcome, cloud);
}

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is CatalogException or FileNotFoundException or InvalidDataException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
