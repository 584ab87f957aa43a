using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;

namespace Vehicle.Bus.Tests;

/// <summary>
/// The bus's behaviour, run against two brokers: Mosquitto (<see cref="MosquittoBusTests"/>) and the
/// embedded MQTTnet server (<see cref="EmbeddedBusTests"/>).
/// </summary>
public abstract class BusSuite : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("bus-test-").FullName;

    protected IBrokerHost Broker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = CreateBroker();
        await Broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await Broker.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_query_is_answered_and_one_trace_spans_car_responder_and_car()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is BusTelemetry.Name or "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test");
        await StartResponderAsync();
        using var sink = new RecordingSink();
        var car = StartCar(sink);

        ActivityTraceId trace;
        using (var ask = source.StartActivity("ask"))
        {
            trace = ask!.TraceId;
            car.Enqueue(Query("What is the capital of Australia?"));
        }

        await sink.WaitForRepliesAsync(1);
        var reply = Assert.Single(sink.Replies);
        Assert.Equal("The capital of Australia is Canberra.", reply.Text);
        Assert.Null(reply.Error);
        // The listener hears every test running in parallel; spans end in any order (the
        // responder's ends at the broker's PUBACK, often after the car has the reply).
        string[] spans = ["bus.publish", "responder.answer", "bus.reply"];
        await sink.Changed.WaitAsync(
            () => spans.All(name => activities.Any(a => a.OperationName == name && a.TraceId == trace)),
            () => $"spans of trace {trace}: {string.Join(", ", activities.Where(a => a.TraceId == trace).Select(a => a.OperationName))}");
    }

    [Fact]
    public async Task Queries_asked_offline_are_queued_then_drained_in_order_when_the_broker_is_back()
    {
        await Broker.StopAsync(kill: false);
        using var sink = new RecordingSink();
        var car = StartCar(sink);
        var questions = Enumerable.Range(1, 8).Select(i => $"question number {i}").ToList();
        foreach (var question in questions)
        {
            Assert.Equal(EnqueueStatus.Queued, car.Enqueue(Query(question)).Status);
        }

        Assert.Equal(8, car.Statistics.QueuedOffline);
        await Broker.StartAsync();
        var order = new ConcurrentQueue<string>();
        await StartResponderAsync(new RecordingBackend(order), workers: 1);
        await sink.WaitForRepliesAsync(questions.Count);
        Assert.Equal(questions, order.Distinct().ToList());
        Assert.Equal(questions, sink.Replies.Select(r => r.Question).ToList());
        await sink.Changed.WaitAsync(() => car.Pending == 0, () => $"the records struck after the sink took the replies (pending {car.Pending})");
    }

    [Fact]
    public async Task A_query_whose_time_to_live_runs_out_offline_is_dropped_as_expired()
    {
        await Broker.StopAsync(kill: false);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        using var sink = new RecordingSink();
        var car = StartCar(sink, time: time);
        var query = new BusQuery(Guid.NewGuid(), "will it rain tomorrow", time.GetUtcNow() + TimeSpan.FromSeconds(5));
        Assert.Equal(EnqueueStatus.Queued, car.Enqueue(query).Status);
        time.Advance(TimeSpan.FromSeconds(6));
        await sink.Changed.WaitAsync(() => !sink.Dropped.IsEmpty, "the expiry");
        var (dropped, reason) = Assert.Single(sink.Dropped);
        Assert.Equal(query.Id, dropped.Id);
        Assert.Equal("will it rain tomorrow", dropped.Text);
        Assert.Equal(QueryDropReason.Expired, reason);
        Assert.Equal(0, car.Pending);
        Assert.Equal(1, car.Statistics.Expired);
    }

    [Fact]
    public async Task A_sink_that_throws_does_not_stop_the_sender_loop_or_the_disposal()
    {
        await Broker.StopAsync(kill: false);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        using var sink = new ThrowingSink();
        var car = StartCar(sink, time: time);

        var first = new BusQuery(Guid.NewGuid(), "will it rain tomorrow", time.GetUtcNow() + TimeSpan.FromSeconds(5));
        car.Enqueue(first);
        time.Advance(TimeSpan.FromSeconds(6));
        await sink.Changed.WaitAsync(() => sink.Calls >= 1, "the first expiry");
        var second = new BusQuery(Guid.NewGuid(), "will it snow tomorrow", time.GetUtcNow() + TimeSpan.FromSeconds(5));
        car.Enqueue(second);
        time.Advance(TimeSpan.FromSeconds(6));

        // The sink threw on the first: the loop went on and told it about the second.
        await sink.Changed.WaitAsync(() => sink.Dropped.Any(d => d.Query.Id == second.Id), "the second expiry, after the sink threw");
        Assert.Equal(0, car.Pending);
        Assert.True(car.Statistics.LoopErrors >= 1);
        await car.DisposeAsync();
    }

    [Fact]
    public async Task A_suggested_command_is_handed_over_once_even_when_the_runtime_throws_and_the_car_restarts()
    {
        var key = ReplySignature.NewKey();
        var responder = await StartResponderAsync(new CommandBackend(), replyKey: key);
        var outbox = Path.Combine(_directory, "trunk.db");
        using var sink = new ReplyThrowingSink();
        var car = StartCar(sink, outbox: outbox, configure: o => o.ReplyKey = key);
        car.Enqueue(Query("open the trunk when we get there"));
        // The sink pulses before it throws: wait for the car to have counted the throw and struck the record.
        await sink.Changed.WaitAsync(
            () => !sink.Replies.IsEmpty && car.Statistics.LoopErrors >= 1 && car.Pending == 0,
            () => $"the reply, the counted throw and the struck record (replies {sink.Replies.Count}, errors {car.Statistics.LoopErrors}, pending {car.Pending})");
        // The runtime threw: the query is answered all the same, not kept to be asked again.
        Assert.Equal("open the trunk", Assert.Single(sink.Replies).Command);
        await car.DisposeAsync();

        using var after = new RecordingSink();
        var restarted = StartCar(after, outbox: outbox, configure: o => o.ReplyKey = key);
        Assert.Equal(0, restarted.Pending);
        restarted.Enqueue(Query("who wrote hamlet"));
        await after.WaitForRepliesAsync(1);
        Assert.Equal("Opening the trunk.", Assert.Single(after.Replies).Text); // the new question only
        await after.Changed.WaitAsync(() => responder.Statistics.Answered >= 2, "the responder's count");
        Assert.Equal(2, responder.Statistics.Answered);
    }

    [Fact]
    public async Task A_full_outbox_refuses_new_queries_explicitly_and_delivers_every_one_it_took()
    {
        await Broker.StopAsync(kill: false);
        using var sink = new RecordingSink();
        // The car may reconnect and publish before the responder subscribes (nothing to deliver to
        // yet): it sends again after RetryAfter, short here so the test does not wait the default 30 s.
        var car = StartCar(sink, retryAfter: TimeSpan.FromSeconds(1), configure: o => o.OutboxMaxBytes = 64 * 1024);
        var taken = new List<Guid>();
        EnqueueResult refused = default;
        for (var i = 0; i < 200 && refused.Status != EnqueueStatus.Refused; i++)
        {
            var query = Query($"question {i} " + new string('x', 2000));
            refused = car.Enqueue(query);
            if (refused.Status != EnqueueStatus.Refused)
            {
                taken.Add(query.Id);
            }
        }

        Assert.Equal(EnqueueStatus.Refused, refused.Status);
        Assert.StartsWith("outbox_full", refused.Error, StringComparison.Ordinal);
        Assert.Equal(taken.Count, car.Pending);
        await Broker.StartAsync();
        await StartResponderAsync();
        await sink.WaitForRepliesAsync(taken.Count);
        Assert.Equal(taken.Order(), sink.Replies.Select(r => r.Id).Order());
    }

    [Fact]
    public async Task A_backend_that_throws_anything_gets_error_replies_and_never_silences_the_responder()
    {
        // More failures than any broker's in-flight window (Mosquitto: 20), then a working backend.
        const int Failing = 30;
        await StartResponderAsync(new FlakyBackend(Failing), workers: 4);
        using var sink = new RecordingSink();
        var car = StartCar(sink);
        for (var i = 0; i < Failing; i++)
        {
            car.Enqueue(Query($"question that breaks the backend {i}"));
        }

        await sink.WaitForRepliesAsync(Failing);
        car.Enqueue(Query("What is the capital of Australia?"));
        await sink.WaitForRepliesAsync(Failing + 1);

        Assert.Equal(Failing, sink.Replies.Count(r => r.Error == "backend_failed: HttpRequestException"));
        Assert.Contains(sink.Replies, r => r.Error is null && r.Text == "The capital of Australia is Canberra.");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Broker_restarts_mid_flight_lose_nothing_and_answer_each_query_once(bool kill)
    {
        await StartResponderAsync(new OfflineBackend(new OfflineBackendOptions { LatencyMedianMs = 20 }));
        using var sink = new RecordingSink();
        var car = StartCar(sink, retryAfter: TimeSpan.FromSeconds(2));
        var ids = new List<Guid>();
        void Ask(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                var query = Query($"what is the capital of france {i}");
                ids.Add(query.Id);
                car.Enqueue(query);
            }
        }

        Ask(0, 20);
        await sink.WaitForRepliesAsync(5);
        await Broker.StopAsync(kill);
        Ask(20, 30);
        await Broker.StartAsync();
        Ask(30, 40);
        await sink.WaitForRepliesAsync(ids.Count, limitSeconds: 60);
        Assert.Equal(ids.Order(), sink.Replies.Select(r => r.Id).Order());
        await sink.Changed.WaitAsync(() => car.Pending == 0, () => $"the records struck after the sink took the replies (pending {car.Pending})");
        Assert.True(car.Statistics.Connects >= 2, "the car reconnected");
    }

    [Fact]
    public async Task A_half_open_link_is_noticed_by_keep_alive_and_the_queries_asked_meanwhile_are_delivered()
    {
        await StartResponderAsync();
        await using var proxy = new LoopbackProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Broker.Uri.Port));
        using var sink = new RecordingSink();
        var connection = new BrokerOptions { Broker = $"mqtt://127.0.0.1:{proxy.Port}", KeepAlive = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(1) };
        var car = StartCar(sink, connection: connection);
        var dropped = 0;
        car.ConnectionChanged += up => Interlocked.Add(ref dropped, up ? 0 : 1);
        await sink.Changed.WaitAsync(() => car.IsConnected, "the connection");

        // A tunnel: the link stays open but nothing gets through.
        proxy.State = ProxyState.Blackhole;
        car.Enqueue(Query("who wrote hamlet"));
        await sink.Changed.WaitAsync(() => Volatile.Read(ref dropped) > 0, "keep-alive noticing the dead link");
        Assert.Empty(sink.Replies);

        proxy.State = ProxyState.Forwarding;
        await sink.Changed.WaitAsync(() => !sink.Replies.IsEmpty, () => $"the reply (connects {car.Statistics.Connects}, failures {car.ConnectionFailures}, pending {car.Pending}, published {car.Statistics.Published}, connected {car.IsConnected})", limitSeconds: 10);
        Assert.Equal("Hamlet was written by William Shakespeare.", Assert.Single(sink.Replies).Text);
    }

    [Fact]
    public async Task Malformed_unknown_duplicate_and_oversized_replies_are_counted_and_dropped()
    {
        await StartResponderAsync();
        using var sink = new RecordingSink();
        var car = StartCar(sink);
        var query = Query("what is the capital of japan");
        car.Enqueue(query);
        await sink.WaitForRepliesAsync(1);

        using var raw = await ConnectRawAsync("intruder");
        var reply = car.Topics.Reply;
        await PublishAsync(raw, reply, "not json at all", query.Id.ToByteArray());
        await PublishAsync(raw, reply, """{"text":"no correlation"}""", null);
        await PublishAsync(raw, reply, """{"text":"who asked?"}""", Guid.NewGuid().ToByteArray());
        await PublishAsync(raw, reply, """{"text":"Tokyo again"}""", query.Id.ToByteArray());
        await PublishAsync(raw, reply, "{\"text\":\"" + new string('x', 200 * 1024) + "\"}", Guid.NewGuid().ToByteArray());
        await sink.Changed.WaitAsync(
            () => car.Statistics.MalformedReplies + car.Statistics.UnknownReplies + car.Statistics.DuplicateReplies + car.Statistics.OversizedReplies >= 5,
            "five dropped replies");

        Assert.Equal(2, car.Statistics.MalformedReplies);
        Assert.Equal(1, car.Statistics.UnknownReplies);
        Assert.Equal(1, car.Statistics.DuplicateReplies);
        Assert.Equal(1, car.Statistics.OversizedReplies);
        Assert.Single(sink.Replies);

        // The client keeps working.
        car.Enqueue(Query("who painted the mona lisa"));
        await sink.WaitForRepliesAsync(2);
        Assert.Equal("Leonardo da Vinci painted the Mona Lisa.", sink.Replies.Last().Text);
    }

    [Fact]
    public async Task A_forged_reply_can_make_the_car_say_something_but_never_run_its_command()
    {
        using var sink = new RecordingSink();
        var car = StartCar(sink, configure: o => o.ReplyKey = ReplySignature.NewKey());
        await sink.Changed.WaitAsync(() => car.IsConnected, "the connection");
        var query = Query("what is the weather in munich");
        car.Enqueue(query);

        // No responder: whatever arrives is the intruder's, with a correct correlation id.
        using var raw = await ConnectRawAsync("intruder");
        await PublishAsync(raw, car.Topics.Reply, """{"text":"Unlocking the doors.","command":"unlock the doors"}""", query.Id.ToByteArray());
        await sink.WaitForRepliesAsync(1);

        var reply = Assert.Single(sink.Replies);
        Assert.Equal("Unlocking the doors.", reply.Text);
        Assert.Null(reply.Command);
        Assert.Equal(1, car.Statistics.UnauthenticatedCommands);
    }

    [Fact]
    public async Task An_oversized_query_is_refused_before_sending_without_a_reconnect()
    {
        using var sink = new RecordingSink();
        var car = StartCar(sink);
        await sink.Changed.WaitAsync(() => car.IsConnected, "the connection");
        var result = car.Enqueue(Query(new string('a', 129 * 1024)));
        Assert.Equal(EnqueueStatus.Refused, result.Status);
        Assert.Contains("131072-byte payload limit", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, car.Pending);
        Assert.True(car.IsConnected);
        Assert.Equal(1, car.Statistics.Connects);
    }

    [Fact]
    public async Task The_responder_answers_only_into_the_asking_vehicles_prefix_and_drops_expired_queries()
    {
        var responder = await StartResponderAsync(new OfflineBackend(new OfflineBackendOptions { LatencyMedianMs = 1500 }));
        using var raw = await ConnectRawAsync("probe");
        // Reply topic of another car: refused.
        await raw.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("vehicles/car-a/copilot/query").WithPayload("""{"text":"what is the capital of france"}""")
            .WithResponseTopic("vehicles/car-b/copilot/reply").WithCorrelationData([1, 2, 3])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        // One second to live, 1.5 s to think: dropped.
        await raw.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("vehicles/car-a/copilot/query").WithPayload("""{"text":"what is the capital of france"}""")
            .WithResponseTopic("vehicles/car-a/copilot/reply").WithCorrelationData([4, 5, 6]).WithMessageExpiryInterval(1)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        using var signal = new Signal();
        await signal.WaitAsync(() => responder.Statistics.Rejected == 1 && responder.Statistics.Expired == 1, "one rejected and one expired query");
        Assert.Equal(0, responder.Statistics.Answered);
    }

    [Fact]
    public async Task Two_responders_in_the_shared_subscription_split_the_queries()
    {
        var first = await StartResponderAsync();
        var second = await StartResponderAsync();
        using var sink = new RecordingSink();
        var car = StartCar(sink);
        for (var i = 0; i < 40; i++)
        {
            car.Enqueue(Query($"what is the capital of canada {i}"));
        }

        await sink.WaitForRepliesAsync(40);
        await sink.Changed.WaitAsync(() => first.Statistics.Answered + second.Statistics.Answered >= 40, "both responders' counts");
        Assert.Equal(40, first.Statistics.Answered + second.Statistics.Answered);
        Assert.True(first.Statistics.Answered > 0 && second.Statistics.Answered > 0, $"{first.Statistics.Answered} / {second.Statistics.Answered}");
    }

    [Fact]
    public async Task A_backend_failure_reaches_the_car_as_an_error()
    {
        await StartResponderAsync(new OfflineBackend(new OfflineBackendOptions { FailureRate = 1 }));
        using var sink = new RecordingSink();
        var car = StartCar(sink);
        car.Enqueue(Query("what is the capital of france"));
        await sink.WaitForRepliesAsync(1);
        Assert.StartsWith("backend_failed", Assert.Single(sink.Replies).Error, StringComparison.Ordinal);
    }

    protected abstract IBrokerHost CreateBroker();

    protected static BusQuery Query(string text) => new(Guid.NewGuid(), text, TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(2));

    protected VehicleBusClient StartCar(ICloudReplySink sink, string vehicle = "test-car", TimeProvider? time = null, TimeSpan? retryAfter = null, BrokerOptions? connection = null, string? outbox = null, Action<CarBusOptions>? configure = null)
    {
        connection ??= new BrokerOptions();
        connection.Broker ??= Broker.Uri.ToString();
        connection.ReconnectMin = TimeSpan.FromMilliseconds(50);
        connection.ReconnectMax = TimeSpan.FromMilliseconds(500);
        var options = new CarBusOptions
        {
            Connection = connection,
            VehicleId = vehicle,
            OutboxPath = outbox ?? Path.Combine(_directory, $"{vehicle}-{Guid.NewGuid():N}.db"),
            RetryAfter = retryAfter ?? TimeSpan.FromSeconds(30),
        };
        configure?.Invoke(options);
        var client = VehicleBusClient.Start(options, sink, time);
        _owned.Add(client);
        return client;
    }

    protected async Task<CloudResponder> StartResponderAsync(ICloudBackend? backend = null, int workers = 8, BrokerOptions? connection = null, string? replyKey = null)
    {
        connection ??= new BrokerOptions();
        connection.Broker ??= Broker.Uri.ToString();
        connection.ReconnectMin = TimeSpan.FromMilliseconds(50);
        connection.ReconnectMax = TimeSpan.FromMilliseconds(500);
        var responder = await CloudResponder.StartAsync(new ResponderOptions { Connection = connection, Workers = workers, ReplyKey = replyKey }, backend ?? new OfflineBackend());
        _owned.Add(responder);
        return responder;
    }

    protected async Task<IMqttClient> ConnectRawAsync(string clientId, string? username = null, string? password = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(Broker.Uri.Host, Broker.Uri.Port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500);
        if (username is not null)
        {
            options.WithCredentials(username, password);
        }

        await client.ConnectAsync(options.Build());
        return client;
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string payload, byte[]? correlation)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (correlation is not null)
        {
            message.WithCorrelationData(correlation);
        }

        return client.PublishAsync(message.Build());
    }

    /// <summary>Answers like the offline backend and records the order questions arrive in.</summary>
    private sealed class RecordingBackend(ConcurrentQueue<string> order) : ICloudBackend
    {
        public string Name => "recording";

        public Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken)
        {
            order.Enqueue(question);
            return Task.FromResult(new CloudAnswer($"answer to {question}"));
        }
    }
}

public sealed class EmbeddedBusTests : BusSuite
{
    protected override IBrokerHost CreateBroker() => new EmbeddedHost();
}

public sealed class MosquittoBusTests : BusSuite
{
    protected override IBrokerHost CreateBroker() => new MosquittoHost();
}

/// <summary>A runtime whose first dropped-query notice throws (a bug, a full disk); later ones are recorded.</summary>
public sealed class ThrowingSink : ICloudReplySink, IDisposable
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public ConcurrentQueue<(BusQuery Query, QueryDropReason Reason)> Dropped { get; } = new();

    public Signal Changed { get; } = new();

    public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
        var call = Interlocked.Increment(ref _calls);
        Changed.Pulse();
        if (call == 1)
        {
            throw new InvalidOperationException("the runtime fell over");
        }

        Dropped.Enqueue((query, reason));
        Changed.Pulse();
    }

    public void Dispose() => Changed.Dispose();
}

/// <summary>A runtime that records each reply and then throws (a bug in a subscriber).</summary>
public sealed class ReplyThrowingSink : ICloudReplySink, IDisposable
{
    public ConcurrentQueue<BusReply> Replies { get; } = new();

    public Signal Changed { get; } = new();

    public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
    {
        Replies.Enqueue(reply);
        Changed.Pulse();
        throw new InvalidOperationException("a subscriber fell over");
    }

    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
    }

    public void Dispose() => Changed.Dispose();
}

/// <summary>A cloud model that suggests a command with every answer.</summary>
public sealed class CommandBackend : ICloudBackend
{
    public string Name => "command";

    public Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken) =>
        Task.FromResult(new CloudAnswer("Opening the trunk.", "open the trunk"));
}

/// <summary>A cloud model whose first calls fail with an exception it does not wrap (an HTTP error); then the offline knowledge.</summary>
public sealed class FlakyBackend(int failures) : ICloudBackend
{
    private readonly OfflineBackend _inner = new();
    private int _calls;

    public string Name => "flaky";

    public Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken) =>
        Interlocked.Increment(ref _calls) <= failures
            ? throw new HttpRequestException("502 Bad Gateway")
            : _inner.AnswerAsync(question, location, cancellationToken);
}
