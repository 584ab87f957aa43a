using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Vehicle.Runtime.Tests;

/// <summary>
/// Redaction measured on the synthetic corpus, then the same questions over a real Mosquitto with
/// every PUBLISH captured by a client subscribed to <c>#</c>; and the egress guard in the bus.
/// </summary>
[Collection(UnderstanderGroup.Name)]
public sealed class PrivacyWireTests(UnderstanderFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("privacy-wire-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

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
    public void Corpus_CoversEveryTypeFromProfileAndPatterns()
    {
        var corpus = PrivacyCorpus.Generate();

        Assert.True(corpus.Count >= 150, $"{corpus.Count} questions");
        Assert.Equal(corpus.Select(q => q.Text), PrivacyCorpus.Generate().Select(q => q.Text)); // deterministic
        foreach (var type in Enum.GetValues<PiiType>())
        {
            Assert.Contains(corpus, q => q.Values.Any(v => v.Type == type));
        }

        Assert.Contains(corpus, q => q.Values.Any(v => v.FromProfile && v.Type != PiiType.Person));
        Assert.Contains(corpus, q => q.Values.Any(v => v.Type == PiiType.Location && v.Raw.Contains('\'', StringComparison.Ordinal)));
        Assert.All(corpus, q => Assert.All(q.Values, v => Assert.Contains(v.Raw, q.Text, StringComparison.Ordinal)));
    }

    [Fact]
    public void Corpus_Redaction_RecallOfEveryTypeAtLeast99Percent()
    {
        var corpus = PrivacyCorpus.Generate();
        var redactor = new Redactor();
        var profile = new ProfileSnapshot(PrivacyCorpus.Profile());
        var counts = new SortedDictionary<string, (int Values, int Removed)>(StringComparer.Ordinal);
        var missed = new List<string>();
        var leftDigits = new List<string>();
        foreach (var query in corpus)
        {
            var redaction = redactor.Redact(query.Text, profile);
            foreach (var value in query.Values)
            {
                var removed = !PrivacyCorpus.Leaks(redaction.Text, value);
                foreach (var group in new[] { value.Type.ToPlaceholderName(), value.FromProfile ? "profile values" : "pattern values" })
                {
                    var (values, count) = counts.GetValueOrDefault(group);
                    counts[group] = (values + 1, count + (removed ? 1 : 0));
                }

                if (!removed)
                {
                    missed.Add($"{value.Type} '{value.Raw}': {redaction.Text}");
                }
            }

            // The templates hold no digits: any digit left outside a placeholder is part of a value.
            if (PrivacyCorpus.WithoutPlaceholders(redaction.Text).Any(char.IsAsciiDigit))
            {
                leftDigits.Add(redaction.Text);
            }

            Assert.Equal(query.Text, redaction.Restore(redaction.Text));
        }

        output.WriteLine($"{corpus.Count} questions, {corpus.Sum(q => q.Values.Count)} embedded values");
        foreach (var (group, (values, removed)) in counts)
        {
            output.WriteLine($"{group,-15} recall {(double)removed / values:0.000} ({removed}/{values})");
        }

        missed.ForEach(m => output.WriteLine("missed: " + m));
        leftDigits.ForEach(m => output.WriteLine("digits left: " + m));

        // Every type, structured or from the profile, at 0.99 or better.
        foreach (var (group, (values, removed)) in counts)
        {
            Assert.True((double)removed / values >= 0.99, $"{group}: recall {removed}/{values}");
        }

        Assert.Empty(leftDigits);
    }

    [Fact]
    public async Task Corpus_OverMosquitto_NoPersonalValueOnTheWireAndEveryReplyReidentified()
    {
        var corpus = PrivacyCorpus.Generate();
        var broker = await StartBrokerAsync();
        var capture = await CaptureAsync(broker);
        await StartResponderAsync(broker, new EchoBackend());
        var store = ProfileStore.Open(Path.Combine(_directory, "profile.db"));
        _owned.Add(store);
        store.Import(PrivacyCorpus.Profile());
        var (gateway, results) = await StartGatewayAsync(broker.Uri, new CloudPrivacy(new PrivacyOptions(), () => store.Current), connected: true);

        var asked = new Dictionary<Guid, CorpusQuery>();
        foreach (var query in corpus)
        {
            var id = Guid.NewGuid();
            asked[id] = query;
            var handoff = gateway.Enqueue(new CloudQuery(id, query.Text, Seat.Driver, TimeProvider.System.GetUtcNow().AddMinutes(5)));
            Assert.True(handoff.Status != CloudHandoff.Refused, $"refused ({handoff.Reason}): {query.Text}");
        }

        var answered = new Dictionary<Guid, CloudResult>();
        while (answered.Count < asked.Count)
        {
            var result = await results.ReadAsync().AsTask().WaitAsync(Limit);
            answered.Add(result.QueryId, result);
        }

        var topics = gateway.Bus.Topics;
        await capture.WaitAsync(() => capture.Count(topics.Query) >= asked.Count && capture.Count(topics.Reply) >= asked.Count, "every query and reply captured");

        // Re-identified exactly: the echo carries the placeholders back, the car puts the values in.
        foreach (var (id, query) in asked)
        {
            var result = answered[id];
            Assert.True(result.Kind == OutcomeKind.Answered, $"{result.Kind} {result.Reason}: {query.Text}");
            Assert.Equal("You asked: " + query.Text, result.Response);
            Assert.Equal(query.Text, result.Question);
        }

        // Nothing personal in any captured byte: topics, payloads (raw and JSON-decoded), properties.
        var values = corpus.SelectMany(q => q.Values).DistinctBy(v => (v.Type, v.Raw.ToUpperInvariant())).ToList();
        var leaks = new List<string>();
        var placeholders = 0;
        foreach (var message in capture.Messages)
        {
            var haystack = message.Haystack();
            placeholders += message.Decoded.Split('<').Length - 1;
            leaks.AddRange(values.Where(v => PrivacyCorpus.Leaks(haystack, v)).Select(v => $"{v.Type} '{v.Raw}' on {message.Topic}: {message.Text}"));
            // The templates hold no digits: a digit outside a placeholder is part of a value (a country code left behind).
            if (PrivacyCorpus.WithoutPlaceholders(message.Decoded).Any(char.IsAsciiDigit))
            {
                leaks.Add($"digits on {message.Topic}: {message.Decoded}");
            }
        }

        output.WriteLine($"{capture.Messages.Count} PUBLISH packets captured ({capture.Count(topics.Query)} queries, {capture.Count(topics.Reply)} replies), {capture.Messages.Sum(m => m.Payload.Length)} payload bytes, {placeholders} placeholders; {values.Count} distinct personal values checked against each");
        leaks.Take(20).ToList().ForEach(l => output.WriteLine("leak: " + l));
        Assert.Empty(leaks);
        Assert.True(placeholders >= 2 * corpus.Count, $"{placeholders} placeholders on the wire");
        Assert.Equal(0, gateway.Bus.Statistics.Blocked);
    }

    [Fact]
    public async Task EgressGuard_QueryCarryingAContactName_RefusedCountedAndNeverPublished()
    {
        var broker = await StartBrokerAsync();
        var capture = await CaptureAsync(broker);
        await StartResponderAsync(broker, new EchoBackend());
        var profile = new ProfileSnapshot(PrivacyCorpus.Profile());
        var sink = new ReplySink();
        var car = VehicleBusClient.Start(CarOptions(broker.Uri), sink, guard: new CloudPrivacy(new PrivacyOptions(), () => profile));
        _owned.Add(car);
        await ChannelTestKit.WaitConnectedAsync(car);

        // Redaction bypassed: the text goes to the bus as spoken.
        var refused = car.Enqueue(new BusQuery(Guid.NewGuid(), "what is a good birthday present for Maria Schneider", TimeProvider.System.GetUtcNow().AddMinutes(1), "driver"));

        Assert.Equal(EnqueueStatus.Refused, refused.Status);
        Assert.Equal("egress_guard: payload carries a known PERSON value from the profile", refused.Error);
        Assert.Equal(1, car.Statistics.Blocked);
        Assert.Equal(0, car.Pending);

        // The capture is live: the next, redacted question is seen, and it is all the car published.
        var clean = new BusQuery(Guid.NewGuid(), "what is a good birthday present for <PERSON_1>", TimeProvider.System.GetUtcNow().AddMinutes(1), "driver");
        Assert.NotEqual(EnqueueStatus.Refused, car.Enqueue(clean).Status);
        var reply = await sink.Replies.Reader.ReadAsync().AsTask().WaitAsync(Limit);
        await capture.WaitAsync(() => capture.Count(car.Topics.Reply) >= 1, "the reply captured");

        Assert.Equal((clean.Id, "You asked: what is a good birthday present for <PERSON_1>"), (reply.Id, reply.Text));
        var published = Assert.Single(capture.Messages, m => m.Topic == car.Topics.Query);
        Assert.Contains("<PERSON_1>", published.Decoded, StringComparison.Ordinal);
        Assert.DoesNotContain(capture.Messages, m => m.Haystack().Contains("Maria", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, car.Statistics.Blocked);
        Assert.Equal(1, car.Statistics.Published);
    }

    [Fact]
    public async Task EgressGuard_ProfileLearnsANameWhileTheQueryWaitsOffline_DroppedBeforePublishing()
    {
        // Not started yet: the car is offline and keeps the question in its outbox.
        var broker = new MosquittoProcess();
        _owned.Add(broker);
        var before = PrivacyCorpus.Profile();
        before.Contacts = [.. before.Contacts.Where(c => c.Name != "Lane Kowalski")];
        var snapshot = new ProfileSnapshot(before);
        var (gateway, results) = await StartGatewayAsync(broker.Uri, new CloudPrivacy(new PrivacyOptions(), () => Volatile.Read(ref snapshot)), connected: false);
        const string Question = "which books did Lane Kowalski write";
        var id = Guid.NewGuid();

        Assert.Equal(CloudHandoff.Queued, gateway.Enqueue(new CloudQuery(id, Question, Seat.Driver, TimeProvider.System.GetUtcNow().AddMinutes(5))).Status);
        Assert.Equal(0, gateway.Bus.Statistics.Blocked);

        // The driver's phone syncs a new contact before the car is back online.
        Volatile.Write(ref snapshot, new ProfileSnapshot(PrivacyCorpus.Profile()));
        await broker.StartAsync();
        var result = await results.ReadAsync().AsTask().WaitAsync(Limit);

        Assert.Equal((id, OutcomeKind.Failed, "egress_guard"), (result.QueryId, result.Kind, result.Reason));
        Assert.Equal("I can't send that without sharing personal details.", result.Response);
        Assert.Equal(Question, result.Question);
        Assert.Equal(1, gateway.Bus.Statistics.Blocked);
        Assert.Equal(0, gateway.Bus.Statistics.Published);
        Assert.Equal(0, gateway.Bus.Pending);
    }

    [Fact]
    public async Task EgressGuard_ThroughTheChannel_WorldQuestionFailsWithCloudRefused()
    {
        // The profile changes between the redaction and the hand-over to the bus (a contact synced
        // from the phone mid-question): the redactor read the old profile, the guard reads the new one.
        var before = PrivacyCorpus.Profile();
        before.Contacts = [.. before.Contacts.Where(c => c.Name != "Lane Kowalski")];
        var profile = new SwitchingProfile(new ProfileSnapshot(before), new ProfileSnapshot(PrivacyCorpus.Profile()));
        var channel = await ChannelTestKit.StartWithBusAsync(fixture, new Uri($"mqtt://127.0.0.1:{EmbeddedBroker.FreePort()}"), Path.Combine(_directory, $"{Guid.NewGuid():N}.db"), profile: profile);
        _owned.Add(channel);
        var bus = channel.Bus!;

        profile.Arm();
        var outcome = await channel.SubmitAsync("which books did Lane Kowalski write", Seat.Driver);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.StartsWith("cloud_refused: egress_guard", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Kowalski", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("Sorry, I can't ask right now.", outcome.Response);
        Assert.Null(outcome.CloudQueryId);
        Assert.Equal(2, profile.Reads);
        Assert.Equal(1, bus.Statistics.Blocked);
        Assert.Equal(0, bus.Pending);
    }

    private static CarBusOptions CarOptions(Uri broker, string vehicle = "privacy-car") => new()
    {
        Connection = new BrokerOptions { Broker = broker.ToString(), ReconnectMin = TimeSpan.FromMilliseconds(50), ReconnectMax = TimeSpan.FromMilliseconds(200) },
        VehicleId = vehicle,
    };

    private async Task<MosquittoProcess> StartBrokerAsync()
    {
        var broker = new MosquittoProcess();
        _owned.Add(broker);
        await broker.StartAsync();
        return broker;
    }

    private async Task<WireCapture> CaptureAsync(MosquittoProcess broker)
    {
        var capture = await WireCapture.StartAsync(broker.Port);
        _owned.Add(capture);
        return capture;
    }

    private async Task StartResponderAsync(MosquittoProcess broker, ICloudBackend backend) =>
        _owned.Add(await CloudResponder.StartAsync(new ResponderOptions { Connection = new BrokerOptions { Broker = broker.Uri.ToString() }, Workers = 4 }, backend));

    private async Task<(BusCloudGateway Gateway, ChannelReader<CloudResult> Results)> StartGatewayAsync(Uri broker, CloudPrivacy privacy, bool connected)
    {
        var options = CarOptions(broker);
        options.OutboxPath = Path.Combine(_directory, $"{Guid.NewGuid():N}.db");
        var results = Channel.CreateUnbounded<CloudResult>();
        var gateway = new BusCloudGateway(options, privacy, new ResponseTable(), NoCar, result => results.Writer.TryWrite(result), TimeProvider.System, NullLoggerFactory.Instance, jitter: null);
        _owned.Add(gateway);
        if (connected)
        {
            await ChannelTestKit.WaitConnectedAsync(gateway.Bus);
        }

        return (gateway, results.Reader);
    }

    /// <summary>The gateway alone has no car to run a suggested command (the echo backend suggests none).</summary>
    private static ValueTask<CommandOutcome> NoCar(CommandRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromException<CommandOutcome>(new InvalidOperationException("no car behind this gateway"));

    /// <summary>
    /// A profile that changes between two reads once armed (a contact synced from the phone in the
    /// middle of a question): the first read sees <paramref name="first"/>, every later one <paramref name="then"/>.
    /// </summary>
    private sealed class SwitchingProfile(ProfileSnapshot first, ProfileSnapshot then) : IPersonalProfile
    {
        private int _armed;
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public ProfileSnapshot Current => Volatile.Read(ref _armed) == 0 ? then : Interlocked.Increment(ref _reads) == 1 ? first : then;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Record(HistoryEntry entry)
        {
        }
    }

    /// <summary>The cloud model of this test: answers with the question it received, placeholders and all.</summary>
    private sealed class EchoBackend : ICloudBackend
    {
        public string Name => "echo";

        public Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken) =>
            Task.FromResult(new CloudAnswer("You asked: " + question));
    }

    private sealed class ReplySink : ICloudReplySink
    {
        public Channel<BusReply> Replies { get; } = Channel.CreateUnbounded<BusReply>();

        public ConcurrentQueue<(BusQuery Query, QueryDropReason Reason)> Dropped { get; } = new();

        public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
        {
            Replies.Writer.TryWrite(reply);
            return ValueTask.CompletedTask;
        }

        public void OnDropped(BusQuery query, QueryDropReason reason) => Dropped.Enqueue((query, reason));
    }

    /// <summary>One PUBLISH as a third client saw it.</summary>
    private sealed record CapturedMessage(string Topic, byte[] Payload, IReadOnlyList<(string Name, string Value)> Properties, byte[]? Correlation, string? ResponseTopic, string? ContentType)
    {
        public string Text => Encoding.UTF8.GetString(Payload);

        /// <summary>The payload's JSON strings, unescaped (the wire writes "&lt;" as "\u003C").</summary>
        public string Decoded => string.Join('\n', PrivacyCorpus.JsonStrings(Payload));

        /// <summary>Everything in the packet a reader could see, decoded every way that matters.</summary>
        public string Haystack()
        {
            var parts = new List<string> { Topic, Text, Decoded, ResponseTopic ?? string.Empty, ContentType ?? string.Empty };
            parts.AddRange(Properties.Select(p => $"{p.Name}={p.Value}"));
            if (Correlation is not null)
            {
                parts.Add(Encoding.UTF8.GetString(Correlation));
                parts.Add(Convert.ToHexString(Correlation));
            }

            return string.Join('\n', parts);
        }
    }

    /// <summary>A plain MQTTnet client subscribed to <c>#</c>: every PUBLISH on the broker, as the broker delivers it.</summary>
    private sealed class WireCapture : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly SemaphoreSlim _received = new(0);
        private readonly ConcurrentQueue<CapturedMessage> _messages = new();

        public ConcurrentQueue<CapturedMessage> Messages => _messages;

        public static async Task<WireCapture> StartAsync(int port)
        {
            var capture = new WireCapture();
            capture._client.ApplicationMessageReceivedAsync += e =>
            {
                var message = e.ApplicationMessage;
                capture._messages.Enqueue(new CapturedMessage(
                    message.Topic,
                    message.Payload.ToArray(),
                    [.. (message.UserProperties ?? []).Select(p => (p.Name, p.ReadValueAsString()))],
                    message.CorrelationData,
                    message.ResponseTopic,
                    message.ContentType));
                capture._received.Release();
                return Task.CompletedTask;
            };
            await capture._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId("wire-capture").Build());
            await capture._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            return capture;
        }

        public int Count(string topic) => _messages.Count(m => m.Topic == topic);

        /// <summary>Waits until <paramref name="condition"/> holds (re-checked on every message); fails after a generous limit.</summary>
        public async Task WaitAsync(Func<bool> condition, string what)
        {
            using var limit = new CancellationTokenSource(Limit);
            while (!condition())
            {
                try
                {
                    await _received.WaitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"timed out waiting for: {what}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }

            _client.Dispose();
            _received.Dispose();
        }
    }
}
