using System.Text;
using CsCheck;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;
using Vehicle.Tests.Shared;

namespace Vehicle.Bus.Tests;

/// <summary>
/// Any payload on the wire, in either direction: the car counts and drops what is not a reply
/// to one of its queries (each message once, in exactly one counter), the responder answers or
/// refuses what it is sent, and both go on working.
/// </summary>
public sealed class PropertyTests : IAsyncLifetime
{
    private static readonly Gen<string> JsonValue = Gen.Frequency(
        (3, Fuzz.Text(20).Select(Fuzz.JsonString)),
        (1, Gen.OneOf("null", "0", "-1.5e308", "true", "[]", "{}", "[\"a\",1]", "{\"x\":{\"y\":[1,2]}}", "\"\\ud800\"", "1e999")));

    /// <summary>Random bytes, broken JSON, or JSON objects with reply-like fields of any type.</summary>
    private static readonly Gen<byte[]> Payload = Gen.Frequency(
        (1, Fuzz.Bytes(400)),
        (1, Fuzz.Text(40).Select(Encoding.UTF8.GetBytes)),
        (3, Gen.Select(JsonValue, JsonValue, JsonValue, Gen.Int[0, 3], (text, command, error, shape) => Encoding.UTF8.GetBytes(shape switch
        {
            0 => $$"""{"text":{{text}},"command":{{command}},"error":{{error}}}""",
            1 => $$"""{"text":{{text}}}""",
            2 => $$"""{"error":{{error}},"extra":{{command}}}""",
            _ => $$"""{"text":{{text}},"text":{{command}}""",
        }))));

    private readonly string _directory = Directory.CreateTempSubdirectory("bus-property-").FullName;
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Any_reply_payload_is_answered_or_counted_and_dropped_once_and_the_car_keeps_working()
    {
        using var sink = new RecordingSink();
        await using var car = VehicleBusClient.Start(Options("fuzz-car"), sink);
        await sink.Changed.WaitAsync(() => car.IsConnected, "the connection");
        var pending = new BusQuery(Guid.NewGuid(), "who wrote hamlet", TimeProvider.System.GetUtcNow().AddMinutes(5));
        car.Enqueue(pending);
        using var raw = await ConnectAsync("fuzzer");
        var correlation = Gen.Frequency(
            (3, Gen.Const<byte[]?>(pending.Id.ToByteArray())),
            (1, Gen.Const((byte[]?)null)),
            (1, Fuzz.Bytes(20).Select(b => (byte[]?)b)),
            (1, Gen.Const<byte[]?>(Guid.NewGuid().ToByteArray())));
        var sent = 0;

        Gen.Select(Payload, correlation).Sample((payload, id) =>
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(car.Topics.Reply).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (id is not null)
            {
                message.WithCorrelationData(id);
            }

            raw.PublishAsync(message.Build()).GetAwaiter().GetResult();
            sent++;
        }, iter: 300, threads: 1);

        var s = car.Statistics;
        await sink.Changed.WaitAsync(
            () => s.Answered + s.MalformedReplies + s.UnknownReplies + s.DuplicateReplies + s.OversizedReplies == sent,
            () => $"{sent} messages, each counted once (answered {s.Answered}, malformed {s.MalformedReplies}, unknown {s.UnknownReplies}, duplicate {s.DuplicateReplies}, oversized {s.OversizedReplies})");
        Assert.True(s.Answered <= 1, "one pending query: at most one answer");
        Assert.Equal(s.Answered, sink.Replies.Count);
        Assert.Equal(0, s.LoopErrors);

        // Still working: a real responder answers a new question.
        await using var responder = await CloudResponder.StartAsync(new ResponderOptions { Connection = new BrokerOptions { Broker = _broker.Uri.ToString() } }, new OfflineBackend());
        car.Enqueue(new BusQuery(Guid.NewGuid(), "What is the capital of Australia?", TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await sink.Changed.WaitAsync(() => sink.Replies.Any(r => r.Text == "The capital of Australia is Canberra."), "the real answer");
    }

    [Fact]
    public async Task Any_query_payload_is_answered_or_refused_and_the_responder_keeps_working()
    {
        await using var responder = await CloudResponder.StartAsync(new ResponderOptions { Connection = new BrokerOptions { Broker = _broker.Uri.ToString() }, Workers = 4 }, new OfflineBackend());
        using var raw = await ConnectAsync("fuzzer");
        var sent = 0;
        Payload.Sample(payload =>
        {
            raw.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic("vehicles/fuzz-car/copilot/query").WithPayload(payload)
                .WithResponseTopic("vehicles/fuzz-car/copilot/reply").WithCorrelationData(Guid.NewGuid().ToByteArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()).GetAwaiter().GetResult();
            sent++;
        }, iter: 300, threads: 1);

        var st = responder.Statistics;
        using var signal = new Signal();
        await signal.WaitAsync(() => st.Answered + st.Failed + st.Rejected + st.Expired == sent, () => $"{sent} queries, each answered or refused (answered {st.Answered}, failed {st.Failed}, rejected {st.Rejected}, expired {st.Expired})");

        using var sink = new RecordingSink();
        await using var car = VehicleBusClient.Start(Options("after-fuzz"), sink);
        car.Enqueue(new BusQuery(Guid.NewGuid(), "who painted the mona lisa", TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await sink.WaitForRepliesAsync(1);
        Assert.Equal("Leonardo da Vinci painted the Mona Lisa.", Assert.Single(sink.Replies).Text);
    }

    private CarBusOptions Options(string vehicle) => new()
    {
        Connection = new BrokerOptions { Broker = _broker.Uri.ToString(), ReconnectMin = TimeSpan.FromMilliseconds(50), ReconnectMax = TimeSpan.FromMilliseconds(500) },
        VehicleId = vehicle,
        OutboxPath = Path.Combine(_directory, $"{vehicle}.db"),
    };

    private async Task<IMqttClient> ConnectAsync(string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_broker.Uri.Host, _broker.Port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500).Build());
        return client;
    }
}
