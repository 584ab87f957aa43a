using System.Diagnostics;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Mqtt;
using Vehicle.Tests.Shared;

namespace Vehicle.Bus.Tests;

/// <summary>What only a real Mosquitto can show: interop with Eclipse's own client, TLS, ACLs, and a car process killed mid-flight.</summary>
public sealed class MosquittoTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("mosquitto-test-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Mosquitto_rr_from_mosquitto_clients_gets_the_responders_answer()
    {
        var broker = await StartBrokerAsync(new MosquittoHost());
        await StartResponderAsync(new BrokerOptions { Broker = broker.Uri.ToString() });
        var (code, output, error) = await RunAsync(
            "mosquitto_rr",
            ["-V", "5", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "vehicles/test-car/copilot/query", "-e", "vehicles/test-car/copilot/reply", "-m", """{"text":"what is the capital of australia"}""", "-W", "20"]);
        Assert.True(code == 0, $"mosquitto_rr exited with {code}: {error}");
        using var reply = JsonDocument.Parse(output);
        Assert.Equal("The capital of Australia is Canberra.", reply.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_car_process_killed_with_queries_pending_delivers_them_after_its_restart()
    {
        var broker = await StartBrokerAsync(new MosquittoHost());
        var outbox = Path.Combine(_directory, "crash-car.db");
        string[] arguments = ["send", "--broker", broker.Uri.ToString(), "--vehicle", "crash-car", "--outbox", outbox, "--ttl", "300"];

        // First life: three questions, no responder yet, then kill -9.
        var first = StartBusProcess(arguments);
        var asked = new List<string>();
        foreach (var question in new[] { "what is the capital of japan", "who wrote hamlet", "how far is the moon" })
        {
            await first.StandardInput.WriteLineAsync(question);
            await first.StandardInput.FlushAsync();
            var line = await first.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the car process ended early");
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.GetProperty("event").GetString() is "sent" or "queued", line);
            asked.Add(json.RootElement.GetProperty("id").GetString()!);
        }

        first.Kill();
        await first.WaitForExitAsync();
        first.Dispose();

        // Second life: the responder is up; the restarted car has nothing new to ask and delivers what was pending.
        await StartResponderAsync(new BrokerOptions { Broker = broker.Uri.ToString() });
        using var second = StartBusProcess(arguments);
        second.StandardInput.Close();
        var answered = new Dictionary<string, string>();
        while (await second.StandardOutput.ReadLineAsync() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal("answered", json.RootElement.GetProperty("event").GetString());
            answered[json.RootElement.GetProperty("id").GetString()!] = json.RootElement.GetProperty("answer").GetString()!;
        }

        await second.WaitForExitAsync();
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(asked.Order(), answered.Keys.Order());
        Assert.Equal("The capital of Japan is Tokyo.", answered[asked[0]]);
    }

    [Fact]
    public async Task Mutual_tls_works_and_a_wrong_ca_or_a_missing_client_certificate_is_refused()
    {
        var pki = new TestPki(_directory, "good");
        var (carCert, carKey) = pki.Issue("car", "tls-car", server: false);
        var (responderCert, responderKey) = pki.Issue("responder", "responder", server: false);
        var broker = await StartBrokerAsync(new MosquittoHost(
            $"""
            allow_anonymous false
            cafile {pki.CaFile}
            certfile {pki.ServerCertFile}
            keyfile {pki.ServerKeyFile}
            require_certificate true
            use_identity_as_username true
            tls_version tlsv1.2
            """,
            tls: true));
        await StartResponderAsync(new BrokerOptions { Broker = broker.Uri.ToString(), CaFile = pki.CaFile, CertFile = responderCert, KeyFile = responderKey });

        using var sink = new RecordingSink();
        var car = StartCar(sink, "tls-car", new BrokerOptions { Broker = broker.Uri.ToString(), CaFile = pki.CaFile, CertFile = carCert, KeyFile = carKey });
        car.Enqueue(new BusQuery(Guid.NewGuid(), "who painted the mona lisa", TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await sink.WaitForRepliesAsync(1);

        // The broker's certificate does not chain to the CA this car pins.
        var rogue = new TestPki(_directory, "rogue");
        var pinnedWrong = StartCar(sink, "wrong-ca", new BrokerOptions { Broker = broker.Uri.ToString(), CaFile = rogue.CaFile, CertFile = carCert, KeyFile = carKey });
        // No client certificate: the broker refuses the handshake.
        var anonymous = StartCar(sink, "no-cert", new BrokerOptions { Broker = broker.Uri.ToString(), CaFile = pki.CaFile });
        await sink.Changed.WaitAsync(() => pinnedWrong.ConnectionFailures.Failures >= 2 && anonymous.ConnectionFailures.Failures >= 2, "refused connection attempts");
        Assert.Equal(0, pinnedWrong.Statistics.Connects);
        Assert.Equal(0, anonymous.Statistics.Connects);
        Assert.False(pinnedWrong.IsConnected || anonymous.IsConnected);
    }

    [Fact]
    public async Task A_broker_certificate_from_an_intermediate_ca_is_accepted_with_only_the_root_pinned()
    {
        var pki = new TestPki(_directory, "chain", intermediate: true);
        var broker = await StartBrokerAsync(new MosquittoHost(
            $"""
            allow_anonymous true
            certfile {pki.ServerCertFile}
            keyfile {pki.ServerKeyFile}
            tls_version tlsv1.2
            """,
            tls: true));
        await StartResponderAsync(new BrokerOptions { Broker = broker.Uri.ToString(), CaFile = pki.CaFile });
        using var sink = new RecordingSink();
        var car = StartCar(sink, "chain-car", new BrokerOptions { Broker = broker.Uri.ToString(), CaFile = pki.CaFile });
        car.Enqueue(new BusQuery(Guid.NewGuid(), "who painted the mona lisa", TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await sink.WaitForRepliesAsync(1);
    }

    [Fact]
    public async Task The_brokers_acl_keeps_a_car_inside_its_own_prefix()
    {
        var passwords = Path.Combine(_directory, "passwd");
        foreach (var (user, password) in new[] { ("car-a", "secret-a"), ("responder", "secret-r") })
        {
            var (code, _, error) = await RunAsync("mosquitto_passwd", File.Exists(passwords) ? ["-b", passwords, user, password] : ["-b", "-c", passwords, user, password]);
            Assert.True(code == 0, error);
        }

        var acl = Path.Combine(_directory, "acl");
        await File.WriteAllTextAsync(acl, """
            pattern readwrite vehicles/%u/copilot/#
            user responder
            topic read vehicles/+/copilot/query
            topic write vehicles/+/copilot/reply
            """);
        var broker = await StartBrokerAsync(new MosquittoHost($"allow_anonymous false\npassword_file {passwords}\nacl_file {acl}"));
        await StartResponderAsync(new BrokerOptions { Broker = broker.Uri.ToString(), Username = "responder", Password = "secret-r", AllowPlainTextPassword = true });
        using var sink = new RecordingSink();
        var car = StartCar(sink, "car-a", new BrokerOptions { Broker = broker.Uri.ToString(), Username = "car-a", Password = "secret-a", AllowPlainTextPassword = true });
        car.Enqueue(new BusQuery(Guid.NewGuid(), "what is the capital of canada", TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await sink.WaitForRepliesAsync(1);
        Assert.Equal("The capital of Canada is Ottawa.", Assert.Single(sink.Replies).Text);

        using var raw = new MqttClientFactory().CreateMqttClient();
        await raw.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("car-a-raw").WithCredentials("car-a", "secret-a").Build());
        var publish = await raw.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("vehicles/car-b/copilot/query")
            .WithPayload("""{"text":"hi"}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, publish.ReasonCode);

        // A wrong password is refused outright.
        var intruder = StartCar(sink, "car-a", new BrokerOptions { Broker = broker.Uri.ToString(), Username = "car-a", Password = "guess", AllowPlainTextPassword = true }, Path.Combine(_directory, "intruder.db"));
        await sink.Changed.WaitAsync(() => intruder.ConnectionFailures.Failures >= 1, "a refused login");
        Assert.Matches("NotAuthorized|BadUserNameOrPassword", intruder.ConnectionFailures.LastError);
    }

    private static Process StartBusProcess(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vehicle.Bus.Cloud.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the car process");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private async Task<MosquittoHost> StartBrokerAsync(MosquittoHost broker)
    {
        _owned.Add(broker);
        await broker.StartAsync();
        return broker;
    }

    private async Task StartResponderAsync(BrokerOptions connection) =>
        _owned.Add(await CloudResponder.StartAsync(new ResponderOptions { Connection = connection, Workers = 2 }, new OfflineBackend()));

    private VehicleBusClient StartCar(ICloudReplySink sink, string vehicle, BrokerOptions connection, string? outbox = null)
    {
        connection.ReconnectMin = TimeSpan.FromMilliseconds(50);
        connection.ReconnectMax = TimeSpan.FromMilliseconds(500);
        var client = VehicleBusClient.Start(new CarBusOptions { Connection = connection, VehicleId = vehicle, OutboxPath = outbox ?? Path.Combine(_directory, $"{vehicle}.db") }, sink);
        _owned.Add(client);
        return client;
    }
}
