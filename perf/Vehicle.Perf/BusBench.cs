using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;

namespace Vehicle.Perf;

/// <summary>
/// The bus against a real Mosquitto on loopback (started here): round trip beside a bare MQTTnet
/// ping-pong and mosquitto_rr; responder throughput with two responders; broker restarts.
/// </summary>
internal static class BusBench
{
    /// <summary><c>bus-rtt COUNT</c>: sequential query round trips (car outbox → broker → responder → car), bare ping-pong, mosquitto_rr.</summary>
    public static async Task RoundTripAsync(int count)
    {
        await using var broker = new MosquittoProcess();
        await broker.StartAsync();
        var connection = new BrokerOptions { Broker = broker.Uri.ToString() };
        await using var responder = await CloudResponder.StartAsync(new ResponderOptions { Connection = connection, Workers = 4 }, new OfflineBackend());
        var outbox = Path.Combine(broker.Directory, "car.db");

        // Ours: the full path with the durable outbox, JSON, trace context and deduplication.
        var sink = new WaitingSink();
        var ours = new List<double>();
        var enqueue = new List<double>();
        await using (var car = VehicleBusClient.Start(new CarBusOptions { Connection = connection, VehicleId = "bench-car", OutboxPath = outbox }, sink))
        {
            await WaitingSink.ConnectedAsync(car, 0);
            for (var i = 0; i < count + 200; i++)
            {
                var id = Guid.NewGuid();
                var start = Stopwatch.GetTimestamp();
                var reply = sink.Expect(id);
                car.Enqueue(new BusQuery(id, "what is the capital of australia", TimeProvider.System.GetUtcNow().AddMinutes(1)));
                var enqueued = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                await reply;
                if (i >= 200)
                {
                    ours.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    enqueue.Add(enqueued);
                }
            }
        }

        var bare = await PingPongAsync(broker, count);
        var rr = new List<double>();
        for (var i = 0; i < Math.Min(count, 100); i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var process = Process.Start(new ProcessStartInfo("mosquitto_rr", ["-V", "5", "-p", broker.Port.ToString(CultureInfo.InvariantCulture), "-t", "vehicles/rr/copilot/query", "-e", "vehicles/rr/copilot/reply", "-m", """{"text":"what is the capital of australia"}""", "-W", "10"]) { RedirectStandardOutput = true })!;
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            rr.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        Console.WriteLine($"Round trip through Mosquitto on loopback, built-in responder at zero think time ({count} sequential requests after 200 warm-up):");
        Console.WriteLine("| path | p50 ms | p90 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|");
        Row("car outbox -> broker -> responder -> car (ours)", ours);
        Row("  of which Enqueue (outbox write + publish start)", enqueue);
        Row("bare MQTTnet QoS 1 ping-pong (no outbox, no JSON)", bare);
        Row($"mosquitto_rr, one process per request ({rr.Count})", rr);
        Console.WriteLine($"ours / bare p50: {Median(ours) / Median(bare):F2}x");
    }

    /// <summary><c>bus-throughput COUNT</c>: queries answered per second by two responders sharing the subscription.</summary>
    public static async Task ThroughputAsync(int count)
    {
        await using var broker = new MosquittoProcess();
        await broker.StartAsync();
        var connection = new BrokerOptions { Broker = broker.Uri.ToString() };
        var backend = new OfflineBackend();
        await using var first = await CloudResponder.StartAsync(new ResponderOptions { Connection = connection, Workers = 8 }, backend);
        await using var second = await CloudResponder.StartAsync(new ResponderOptions { Connection = connection, Workers = 8 }, backend);

        // Four raw publishers stand in for four cars: the load generator must not be the bottleneck.
        const int cars = 4;
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clients = new List<IMqttClient>();
        for (var c = 0; c < cars; c++)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += _ =>
            {
                if (Interlocked.Increment(ref received) == count)
                {
                    done.TrySetResult();
                }

                return Task.CompletedTask;
            };
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId($"load-{c}").Build());
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"vehicles/load-{c}/copilot/reply", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            clients.Add(client);
        }

        var payload = Encoding.UTF8.GetBytes("""{"text":"what is the capital of france"}""");
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
        {
            using var window = new SemaphoreSlim(256);
            var pending = new List<Task>();
            for (var i = c; i < count; i += cars)
            {
                await window.WaitAsync();
                var message = new MqttApplicationMessageBuilder().WithTopic($"vehicles/load-{c}/copilot/query").WithPayload(payload)
                    .WithResponseTopic($"vehicles/load-{c}/copilot/reply").WithCorrelationData(BitConverter.GetBytes(i))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                pending.Add(client.PublishAsync(message).ContinueWith(_ => window.Release(), TaskScheduler.Default));
            }

            await Task.WhenAll(pending);
        })));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"{count} queries answered by 2 responders in {seconds:F2} s: {count / seconds:F0} queries/s (split {first.Statistics.Answered} / {second.Statistics.Answered})");
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    /// <summary><c>bus-faults RESTARTS</c>: queries asked across broker restarts (alternating SIGTERM and SIGKILL); counts lost and duplicated answers.</summary>
    public static async Task FaultsAsync(int restarts)
    {
        await using var broker = new MosquittoProcess();
        await broker.StartAsync();
        var connection = new BrokerOptions { Broker = broker.Uri.ToString(), ReconnectMin = TimeSpan.FromMilliseconds(50), ReconnectMax = TimeSpan.FromSeconds(1) };
        await using var responder = await CloudResponder.StartAsync(new ResponderOptions { Connection = connection, Workers = 4 }, new OfflineBackend(new OfflineBackendOptions { LatencyMedianMs = 5, LatencySigma = 0.5 }));
        var sink = new WaitingSink();
        var asked = new List<Guid>();
        var start = Stopwatch.GetTimestamp();
        await using (var car = VehicleBusClient.Start(new CarBusOptions { Connection = connection, VehicleId = "fault-car", OutboxPath = Path.Combine(broker.Directory, "car.db"), RetryAfter = TimeSpan.FromSeconds(3) }, sink))
        {
            for (var r = 0; r < restarts; r++)
            {
                for (var i = 0; i < 10; i++)
                {
                    var id = Guid.NewGuid();
                    asked.Add(id);
                    _ = sink.Expect(id);
                    car.Enqueue(new BusQuery(id, $"what is the capital of japan {r}.{i}", TimeProvider.System.GetUtcNow().AddMinutes(10)));
                }

                await broker.StopAsync(kill: r % 2 == 1);
                for (var i = 0; i < 5; i++)
                {
                    var id = Guid.NewGuid();
                    asked.Add(id);
                    _ = sink.Expect(id);
                    car.Enqueue(new BusQuery(id, $"who wrote hamlet {r}.{i}", TimeProvider.System.GetUtcNow().AddMinutes(10)));
                }

                var connects = car.Statistics.Connects;
                await broker.StartAsync();
                // The next restart only once the car is back: each restart hits a live session.
                await WaitingSink.ConnectedAsync(car, connects);
            }

            await sink.AllAnsweredAsync(TimeSpan.FromMinutes(5));
            Console.WriteLine($"{restarts} broker restarts (SIGTERM and SIGKILL alternating), {asked.Count} queries in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s:");
            Console.WriteLine($"  answered {sink.Answered.Count}, lost {asked.Count(id => !sink.Answered.ContainsKey(id))}, delivered twice {sink.Duplicates}, duplicate replies dropped by the car {car.Statistics.DuplicateReplies}, reconnects {car.Statistics.Connects - 1}");
        }
    }

    private static async Task<List<double>> PingPongAsync(MosquittoProcess broker, int count)
    {
        var factory = new MqttClientFactory();
        using var echo = factory.CreateMqttClient();
        using var pinger = factory.CreateMqttClient();
        echo.ApplicationMessageReceivedAsync += e => echo.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("bench/pong").WithPayload(e.ApplicationMessage.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        TaskCompletionSource? pong = null;
        pinger.ApplicationMessageReceivedAsync += _ =>
        {
            pong!.TrySetResult();
            return Task.CompletedTask;
        };
        foreach (var (client, id, topic) in new[] { (echo, "echo", "bench/ping"), (pinger, "pinger", "bench/pong") })
        {
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(id).Build());
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        var samples = new List<double>();
        var payload = Encoding.UTF8.GetBytes("""{"text":"what is the capital of australia"}""");
        for (var i = 0; i < count + 200; i++)
        {
            pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = Stopwatch.GetTimestamp();
            await pinger.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("bench/ping").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await pong.Task;
            if (i >= 200)
            {
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        return samples;
    }

    private static void Row(string name, List<double> samples)
    {
        double[] sorted = [.. samples.Order()];
        Console.WriteLine($"| {name} | {P(sorted, 0.5):F3} | {P(sorted, 0.9):F3} | {P(sorted, 0.99):F3} | {sorted[^1]:F3} |");
    }

    private static double Median(List<double> samples) => P([.. samples.Order()], 0.5);

    private static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>Completes a task per expected reply; counts replies delivered twice.</summary>
    private sealed class WaitingSink : ICloudReplySink
    {
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _expected = new();
        private int _duplicates;

        public ConcurrentDictionary<Guid, BusReply> Answered { get; } = new();

        public int Duplicates => _duplicates;

        public Task Expect(Guid id) => _expected.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        /// <summary>Waits until the car has connected more than <paramref name="connects"/> times.</summary>
        public static async Task ConnectedAsync(VehicleBusClient car, long connects)
        {
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Changed(bool connected)
            {
                if (connected && car.Statistics.Connects > connects)
                {
                    up.TrySetResult();
                }
            }

            car.ConnectionChanged += Changed;
            Changed(car.IsConnected);
            await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
            car.ConnectionChanged -= Changed;
        }

        public Task AllAnsweredAsync(TimeSpan limit) => Task.WhenAll(_expected.Values.Select(t => t.Task)).WaitAsync(limit);

        public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
        {
            if (!Answered.TryAdd(reply.Id, reply))
            {
                Interlocked.Increment(ref _duplicates);
            }

            Expect(reply.Id);
            _expected[reply.Id].TrySetResult();
            return ValueTask.CompletedTask;
        }

        public void OnDropped(BusQuery query, QueryDropReason reason) => Console.Error.WriteLine($"dropped {query.Id}: {reason}");
    }
}
