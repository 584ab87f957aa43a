using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;

// stdout carries only results (the send command's JSON lines); logs go to stderr.
var stdout = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

var brokerOption = new Option<string?>("--broker") { Description = "mqtt://host:port or mqtts://host:port." };
var caOption = new Option<string?>("--ca") { Description = "PEM CA certificate the broker's certificate must chain to (pinning)." };
var certOption = new Option<string?>("--cert") { Description = "PEM client certificate (mutual TLS)." };
var keyOption = new Option<string?>("--key") { Description = "PEM private key of --cert." };
var userOption = new Option<string?>("--username") { Description = "MQTT user name." };
var passwordOption = new Option<string?>("--password") { Description = "MQTT password (or the environment variable MQTT_PASSWORD)." };
Option[] connectionOptions = [brokerOption, caOption, certOption, keyOption, userOption, passwordOption];

void ApplyConnection(ParseResult parse, BrokerOptions options)
{
    options.Broker = parse.GetValue(brokerOption) ?? options.Broker;
    options.CaFile = parse.GetValue(caOption) ?? options.CaFile;
    options.CertFile = parse.GetValue(certOption) ?? options.CertFile;
    options.KeyFile = parse.GetValue(keyOption) ?? options.KeyFile;
    options.Username = parse.GetValue(userOption) ?? options.Username;
    options.Password = parse.GetValue(passwordOption) ?? Environment.GetEnvironmentVariable("MQTT_PASSWORD") ?? options.Password;
}

// responder
var groupOption = new Option<string?>("--group") { Description = "Shared-subscription group (default copilot)." };
var backendOption = new Option<string?>("--backend") { Description = "offline (built-in, default) or chat (OpenAI-compatible endpoint)." };
var chatUrlOption = new Option<string?>("--chat-url") { Description = "OpenAI-compatible base URL for --backend chat." };
var modelOption = new Option<string?>("--model") { Description = "Model name for --backend chat." };
var knowledgeOption = new Option<string?>("--knowledge") { Description = "Knowledge file of the offline backend." };
var latencyOption = new Option<double?>("--latency-ms") { Description = "Median think time of the offline backend." };
var failureOption = new Option<double?>("--failure-rate") { Description = "Fraction of questions the offline backend fails (0..1)." };
var workersOption = new Option<int?>("--workers") { Description = "Questions answered at once." };
var clientIdOption = new Option<string?>("--client-id") { Description = "MQTT client id (unique per responder)." };
var responder = new Command("responder", "Answer the vehicles' queries (the cloud side).") { groupOption, backendOption, chatUrlOption, modelOption, knowledgeOption, latencyOption, failureOption, workersOption, clientIdOption };
foreach (var option in connectionOptions)
{
    responder.Options.Add(option);
}

responder.SetAction(async (parse, cancellationToken) =>
{
    using var app = BusApp.Start();
    var options = app.Configuration.GetSection(ResponderOptions.SectionName).Get<ResponderOptions>() ?? new ResponderOptions();
    ApplyConnection(parse, options.Connection);
    options.Group = parse.GetValue(groupOption) ?? options.Group;
    options.Backend = parse.GetValue(backendOption) ?? options.Backend;
    options.Chat.Url = parse.GetValue(chatUrlOption) ?? options.Chat.Url;
    options.Chat.Model = parse.GetValue(modelOption) ?? options.Chat.Model;
    options.Offline.KnowledgeFile = parse.GetValue(knowledgeOption) ?? options.Offline.KnowledgeFile;
    options.Offline.LatencyMedianMs = parse.GetValue(latencyOption) ?? options.Offline.LatencyMedianMs;
    options.Offline.FailureRate = parse.GetValue(failureOption) ?? options.Offline.FailureRate;
    options.Workers = parse.GetValue(workersOption) ?? options.Workers;
    options.ClientId = parse.GetValue(clientIdOption) ?? options.ClientId;
    options.Connection.Broker ??= "mqtt://127.0.0.1:1883";
    ICloudBackend backend = options.Backend switch
    {
        "offline" => new OfflineBackend(options.Offline),
        "chat" => ChatClientBackend.Create(options.Chat),
        _ => throw new ArgumentException($"unknown backend '{options.Backend}': use offline or chat"),
    };
    await using var running = await CloudResponder.StartAsync(options, backend, loggerFactory: app.LoggerFactory, cancellationToken: cancellationToken);
    await BusApp.WaitForShutdownAsync(cancellationToken);
    (backend as IDisposable)?.Dispose();
    return 0;
});

// broker
var portOption = new Option<int>("--port") { Description = "Port on 127.0.0.1.", DefaultValueFactory = _ => 1883 };
var broker = new Command("broker", "Run the embedded MQTT 5 broker on loopback until interrupted.") { portOption };
broker.SetAction(async (parse, cancellationToken) =>
{
    using var app = BusApp.Start();
    await using var running = await EmbeddedBroker.StartAsync(parse.GetValue(portOption), app.LoggerFactory);
    await BusApp.WaitForShutdownAsync(cancellationToken);
    return 0;
});

// send
var vehicleOption = new Option<string?>("--vehicle") { Description = "Vehicle id (topics vehicles/{id}/copilot/...)." };
var outboxOption = new Option<string?>("--outbox") { Description = "SQLite outbox file." };
var ttlOption = new Option<double>("--ttl") { Description = "Seconds each question stays worth answering.", DefaultValueFactory = _ => 30 };
var send = new Command("send", "The car's side without the runtime: questions on stdin, one per line; one JSON line per event on stdout. Exits when stdin has ended and nothing is pending (earlier runs' pending queries included).") { vehicleOption, outboxOption, ttlOption };
foreach (var option in connectionOptions)
{
    send.Options.Add(option);
}

send.SetAction(async (parse, cancellationToken) =>
{
    using var app = BusApp.Start();
    var options = app.Configuration.GetSection(CarBusOptions.SectionName).Get<CarBusOptions>() ?? new CarBusOptions();
    ApplyConnection(parse, options.Connection);
    options.VehicleId = parse.GetValue(vehicleOption) ?? options.VehicleId;
    options.OutboxPath = parse.GetValue(outboxOption) ?? options.OutboxPath;
    options.Connection.Broker ??= "mqtt://127.0.0.1:1883";
    var ttl = TimeSpan.FromSeconds(parse.GetValue(ttlOption));
    return await SendSession.RunAsync(options, ttl, Console.In, stdout, app.LoggerFactory, cancellationToken);
});

var root = new RootCommand("Vehicle copilot bus: the MQTT path between the car and the cloud.") { responder, broker, send };
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException or IOException or MQTTnet.Exceptions.MqttCommunicationException or System.Security.Cryptography.CryptographicException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

/// <summary>Configuration (appsettings.bus.json beside the binary, then environment variables) and logging to stderr.</summary>
internal sealed class BusApp : IDisposable
{
    private BusApp(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        Configuration = configuration;
        LoggerFactory = loggerFactory;
    }

    public IConfiguration Configuration { get; }

    public ILoggerFactory LoggerFactory { get; }

    public static BusApp Start()
    {
        var configuration = CommandLineHost.LoadConfiguration("appsettings.bus.json");
        var loggerFactory = CommandLineHost.CreateLogging(configuration);
        return new BusApp(configuration, loggerFactory);
    }

    /// <summary>Waits for Ctrl+C or SIGTERM.</summary>
    public static async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stopped.TrySetResult();
        });
        using var registration = cancellationToken.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);
    }

    public void Dispose() => LoggerFactory.Dispose();
}
