using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Vehicle.Bus.Mqtt;

namespace Vehicle.Bus.Car;

/// <summary>
/// The car's end of the bus: a durable outbox in front of an MQTT 5 connection that it keeps up
/// itself (MQTTnet 5 has no managed client). Queries are written to the outbox, published with
/// QoS 1 (Response Topic, Correlation Data, Message Expiry Interval = remaining time-to-live, W3C
/// trace context), and leave the outbox when their reply is recorded (then handed to the runtime:
/// answers once, suggested commands at most once, across crashes) or their time-to-live ran out.
/// One loop keeps the connection (persistent session, keep-alive, exponential backoff with
/// jitter); one loop drains the outbox in order with bounded in-flight publishes; replies are
/// checked (topic, size, JSON, correlation, the signature of a suggested command) and deduplicated.
/// </summary>
public sealed class VehicleBusClient : IAsyncDisposable
{
    private const int RecentCapacity = 4096;

    private readonly CarBusOptions _options;
    private readonly QueryOutbox _outbox;
    private readonly IMqttClient _mqtt;
    private readonly ICloudReplySink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectionKeeper _keeper;
    private readonly IEgressGuard? _guard;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Guid, byte> _awaitingAck = new();
    private readonly HashSet<Guid> _recent = [];
    private readonly Queue<Guid> _recentOrder = new();
    private readonly ITimer _tick;
    private readonly byte[]? _replyKey;
    private readonly Meter _meter;
    private Task _sender = Task.CompletedTask;
    private int _disposed;
    private int _backlog = 1;
    private int _sweep = 1;

    private VehicleBusClient(CarBusOptions options, Uri broker, ICloudReplySink sink, TimeProvider time, ILoggerFactory loggers, Random? jitter, IEgressGuard? guard, IMeterFactory? meters)
    {
        _options = options;
        _replyKey = ReplySignature.ParseKey(options.ReplyKey);
        _meter = BusTelemetry.CreateMeter(meters, this);
        Statistics = new BusStatistics(_meter);
        _guard = guard;
        Topics = new VehicleTopics(options.VehicleId, options.TopicRoot);
        Broker = broker;
        _sink = sink;
        _time = time;
        _logger = loggers.CreateLogger<VehicleBusClient>();
        _inFlight = new SemaphoreSlim(Math.Max(1, options.MaxInFlight));
        var mqttOptions = MqttConnection.CreateOptions(options.Connection, broker, $"car-{options.VehicleId}")
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)Math.Clamp(options.MaxInFlight * 4, 1, ushort.MaxValue))
            .WithMaximumPacketSize((uint)(options.MaxPayloadBytes * 2 + 4096))
            .Build();
        _outbox = new QueryOutbox(options.ResolveOutboxPath(), time, options.OutboxCapacity, options.DurableOutbox, options.OutboxMaxBytes);
        // A new process does not know what reached the broker before: whatever is pending goes again (replies are deduplicated).
        _outbox.ResetSent(null);
        _mqtt = new MqttClientFactory().CreateMqttClient();
        _mqtt.ApplicationMessageReceivedAsync += OnMessageAsync;
        _keeper = new ConnectionKeeper(_mqtt, mqttOptions, broker, options.Connection, OnConnectedAsync, time, jitter ?? new Random(), _logger);
        // Ready (subscribed, outbox reset): drain the backlog.
        _keeper.ConnectionChanged += up =>
        {
            if (up)
            {
                Wake();
            }
        };
        // Expiry sweep and retry check, also while nothing else happens.
        _tick = time.CreateTimer(
            _ =>
            {
                Interlocked.Exchange(ref _sweep, 1);
                Wake();
            },
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));
    }

    /// <summary>Raised with true when connected (and subscribed) and false when the connection drops.</summary>
    public event Action<bool>? ConnectionChanged
    {
        add => _keeper.ConnectionChanged += value;
        remove => _keeper.ConnectionChanged -= value;
    }

    /// <summary>Failed connection attempts so far, and the last error.</summary>
    public (long Failures, string? LastError) ConnectionFailures => (_keeper.Failures, _keeper.LastError);

    /// <summary>This vehicle's topics.</summary>
    public VehicleTopics Topics { get; }

    /// <summary>The broker address.</summary>
    public Uri Broker { get; }

    /// <summary>Whether the connection is up and subscribed now.</summary>
    public bool IsConnected => _keeper.IsReady;

    /// <summary>Whether a connection attempt is in progress.</summary>
    public bool IsConnecting => _keeper.IsConnecting;

    /// <summary>Counters.</summary>
    public BusStatistics Statistics { get; }

    /// <summary>Queries in the outbox.</summary>
    public int Pending => _outbox.Count;

    /// <summary>Deletes an outbox's files (the SQLite database and its WAL and shared-memory files).</summary>
    public static void DeleteOutbox(string path) => QueryOutbox.Delete(path);

    /// <summary>
    /// Opens the outbox and starts keeping the connection; returns at once (offline is a normal
    /// state). Pending queries from an earlier process are sent when the connection is up.
    /// </summary>
    /// <param name="options">Configuration; <see cref="BrokerOptions.Broker"/> must be set.</param>
    /// <param name="sink">Receives replies and dropped queries.</param>
    /// <param name="time">Clock for time-to-live, backoff and the periodic sweep.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="jitter">Random source for the backoff jitter (seeded in simulations).</param>
    /// <param name="guard">Checks every payload before it is published (personal data); null: none.</param>
    /// <param name="meterFactory">Where the client's meter comes from; null: a meter of its own, disposed with it.</param>
    /// <exception cref="ArgumentException">A bad broker address, topic or TLS file.</exception>
    public static VehicleBusClient Start(CarBusOptions options, ICloudReplySink sink, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, Random? jitter = null, IEgressGuard? guard = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        if (string.IsNullOrEmpty(options.Connection.Broker))
        {
            throw new ArgumentException("Bus:Connection:Broker is not set", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPayloadBytes, 64);
        var client = new VehicleBusClient(options, MqttConnection.ParseBroker(options.Connection.Broker), sink, time ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance, jitter, guard, meterFactory);
        client._keeper.Start();
        client._sender = Task.Run(() => client.SendAsync(client._stop.Token));
        return client;
    }

    /// <summary>
    /// Stores a query in the outbox and wakes the sender; never blocks on the network. A query
    /// whose body is over the payload limit, or that the egress guard objects to, is refused here,
    /// before anything is stored or sent.
    /// </summary>
    public EnqueueResult Enqueue(BusQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Statistics.Count(BusEvent.Refused);
            return new EnqueueResult(EnqueueStatus.Refused, "the bus is shut down");
        }

        var payload = WireJson.Serialize(query);
        if (payload.Length > _options.MaxPayloadBytes)
        {
            Statistics.Count(BusEvent.Refused);
            return new EnqueueResult(EnqueueStatus.Refused, $"query of {payload.Length} bytes is over the {_options.MaxPayloadBytes}-byte payload limit");
        }

        if (Blocked(query, payload) is { } objection)
        {
            return new EnqueueResult(EnqueueStatus.Refused, objection);
        }

        // Fast path: connected, no backlog to keep in order, a free in-flight slot: publish from
        // here. Otherwise the sender loop takes it from the outbox in order.
        var caller = Activity.Current;
        var connected = _keeper.IsReady;
        var direct = connected && Volatile.Read(ref _backlog) == 0 && _inFlight.Wait(0);
        IReadOnlyList<BusQuery> evicted;
        try
        {
            evicted = _outbox.Add(query, caller?.Id, caller?.TraceStateString, sent: direct);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            // A full disk or the size cap: refused, and nothing that was stored is lost.
            if (direct)
            {
                _inFlight.Release();
            }

            Statistics.Count(BusEvent.Refused);
            BusLog.StoreFailed(_logger, query.Id, e.Message);
            return new EnqueueResult(EnqueueStatus.Refused, "outbox_full: the query could not be stored (" + e.Message + ")");
        }

        foreach (var old in evicted)
        {
            Statistics.Count(BusEvent.Evicted);
            BusLog.Evicted(_logger, _outbox.Capacity, old.Id);
            _sink.OnDropped(old, QueryDropReason.Evicted);
        }

        Statistics.Count(BusEvent.Enqueued);
        if (direct)
        {
            _ = PublishAsync(new OutboxEntry(0, query, caller?.Id, caller?.TraceStateString), payload, _stop.Token);
            return new EnqueueResult(EnqueueStatus.Sent);
        }

        Interlocked.Exchange(ref _backlog, 1);
        if (!connected)
        {
            Statistics.Count(BusEvent.QueuedOffline);
        }

        Wake();
        return new EnqueueResult(connected ? EnqueueStatus.Sent : EnqueueStatus.Queued);
    }

    /// <summary>Stops the loops and closes the connection; pending queries stay in the outbox for the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _tick.DisposeAsync().ConfigureAwait(false);
        await _sender.ConfigureAwait(false);
        await _keeper.DisposeAsync().ConfigureAwait(false);
        // Publishes still waiting for their PUBACK end with the connection; let them release their slots.
        for (var i = 0; i < Math.Max(1, _options.MaxInFlight); i++)
        {
            await _inFlight.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _mqtt.Dispose();
        _outbox.Dispose();
        _stop.Dispose();
        _inFlight.Dispose();
        _meter.Dispose();
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>The egress guard's objection to a payload (counted and logged, without the payload), or null.</summary>
    private string? Blocked(BusQuery query, byte[] payload)
    {
        if (_guard?.Inspect(payload) is not { } objection)
        {
            return null;
        }

        Statistics.Count(BusEvent.Blocked);
        BusLog.Blocked(_logger, query.Id, objection);
        return "egress_guard: " + objection;
    }

    private async Task OnConnectedAsync(MqttClientConnectResult result, CancellationToken cancellationToken)
    {
        Topics.EnsureOwn(Topics.Reply);
        await MqttConnection.SubscribeAsync(_mqtt, Topics.Reply, cancellationToken).ConfigureAwait(false);

        // With the session restored the broker holds what it acknowledged; without it, everything goes again.
        _outbox.ResetSent(result.IsSessionPresent ? _awaitingAck.Keys : null);
        _awaitingAck.Clear();
        Interlocked.Exchange(ref _backlog, 1);
        Statistics.Count(BusEvent.Connected);
        BusLog.Connected(_logger, Broker, Topics.VehicleId, result.IsSessionPresent ? "restored" : "new", _outbox.Count);
    }

    /// <summary>
    /// The sender loop: expiry sweep, then the backlog in order. It survives what it calls: an
    /// exception (a throwing sink, SQLite, a guard) is logged and counted, and the loop goes on
    /// with the next wake-up (at the latest the next sweep tick), so publishing and expiry never
    /// stop for good and disposal never rethrows.
    /// </summary>
    private async Task SendAsync(CancellationToken cancellationToken)
    {
        // Replies an earlier process recorded and did not finish handing over (a crash).
        foreach (var reply in _outbox.TakeUndelivered())
        {
            await DeliverAsync(reply).ConfigureAwait(false);
        }

        try
        {
            while (await _wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                try
                {
                    await SendOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Statistics.Count(BusEvent.LoopError);
                    BusLog.SenderFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _sweep, 0) != 0)
        {
            foreach (var expired in _outbox.RemoveExpired())
            {
                Statistics.Count(BusEvent.Expired);
                BusLog.Expired(_logger, expired.Query.Id);
                Dropped(expired.Query, QueryDropReason.Expired);
            }
        }

        if (!_keeper.IsReady)
        {
            return;
        }

        const int batch = 256;
        var due = _outbox.Due(_options.RetryAfter, batch);
        var sent = 0;
        foreach (var entry in due)
        {
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!_keeper.IsReady)
            {
                _inFlight.Release();
                break;
            }

            var payload = WireJson.Serialize(entry.Query);
            if (Blocked(entry.Query, payload) is not null)
            {
                _inFlight.Release();
                _outbox.Remove(entry.Query.Id);
                Dropped(entry.Query, QueryDropReason.Blocked);
                sent++; // handled: it leaves the backlog
                continue;
            }

            _outbox.MarkSent(entry.Query.Id);
            _ = PublishAsync(entry, payload, cancellationToken);
            sent++;
        }

        if (due.Count == batch && sent == batch)
        {
            Wake();
        }
        else if (sent == due.Count)
        {
            // Backlog drained: new queries may take the fast path.
            Interlocked.Exchange(ref _backlog, 0);
        }
    }

    /// <summary>Tells the sink about a dropped query; a sink that throws is logged and counted, and the others are still told.</summary>
    private void Dropped(BusQuery query, QueryDropReason reason)
    {
        try
        {
            _sink.OnDropped(query, reason);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Statistics.Count(BusEvent.LoopError);
            BusLog.DropNoticeFailed(_logger, query.Id, e);
        }
    }

    private async Task PublishAsync(OutboxEntry entry, byte[] payload, CancellationToken cancellationToken)
    {
        _awaitingAck[entry.Query.Id] = 0;
        try
        {
            var query = entry.Query;
            var parent = BusTelemetry.ParseContext(entry.TraceParent, entry.TraceState);
            using var activity = BusTelemetry.Source.StartActivity("bus.publish", ActivityKind.Producer, parent);
            activity?.SetTag("messaging.system", "mqtt");
            activity?.SetTag("messaging.destination.name", Topics.Query);
            activity?.SetTag("messaging.message.id", query.Id.ToString());
            if (_outbox.Remaining(query.Id) is not { } remaining || remaining <= TimeSpan.Zero)
            {
                return;
            }

            Topics.EnsureOwn(Topics.Query);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Query)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithResponseTopic(Topics.Reply)
                .WithCorrelationData(query.Id.ToByteArray())
                .WithMessageExpiryInterval((uint)Math.Max(1, Math.Ceiling(remaining.TotalSeconds)))
                .WithContentType("application/json")
                .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);
            message.WithTraceContext(activity?.Id ?? entry.TraceParent, activity?.TraceStateString ?? entry.TraceState);

            var result = await _mqtt.PublishAsync(message.Build(), cancellationToken).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                _awaitingAck.TryRemove(query.Id, out _);
                Statistics.Count(BusEvent.Published);
            }
            else
            {
                BusLog.NotAccepted(_logger, query.Id, $"{result.ReasonCode} {result.ReasonString}");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Still in the outbox, not acknowledged: it goes again after the reconnect.
            BusLog.PublishInterrupted(_logger, entry.Query.Id, e.Message);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (message.Topic != Topics.Reply)
        {
            Drop(BusEvent.WrongTopic, message.Topic);
            return;
        }

        if (message.Payload.Length > _options.MaxPayloadBytes)
        {
            Drop(BusEvent.Oversized, $"{message.Payload.Length} bytes");
            return;
        }

        if (message.CorrelationData is not { Length: 16 } correlation)
        {
            Drop(BusEvent.Malformed, "no 16-byte correlation data");
            return;
        }

        ReplyBody? body;
        try
        {
            var reader = new Utf8JsonReader(message.Payload);
            body = JsonSerializer.Deserialize(ref reader, WireJson.Default.ReplyBody);
        }
        catch (JsonException error)
        {
            Drop(BusEvent.Malformed, error.Message);
            return;
        }

        if (body is null || (body.Text is null && body.Error is null))
        {
            Drop(BusEvent.Malformed, "a reply needs text or error");
            return;
        }

        var id = new Guid(correlation);
        var command = body.Command;
        if (command is not null && !ReplySignature.Verify(_replyKey, message))
        {
            // Anyone who can publish here may make the car say something, never do something.
            Statistics.Count(BusEvent.UnauthenticatedCommand);
            BusLog.UnauthenticatedCommand(_logger, id, _replyKey is null ? "no Bus:ReplyKey is set" : "the signature does not match");
            command = null;
        }

        var entry = _outbox.Find(id);
        var reply = entry is null ? null : new BusReply(id, entry.Query.Text, entry.Query.Speaker, body.Text ?? string.Empty, command, body.Error, entry.Query.Private);
        bool recorded;
        try
        {
            // Recorded, and its query removed, in one transaction: a second copy finds nothing pending.
            recorded = reply is not null && _outbox.Answer(reply);
        }
        catch (SqliteException error)
        {
            // Not recorded (a full disk): the query stays pending and is asked again after RetryAfter.
            Statistics.Count(BusEvent.LoopError);
            BusLog.SinkFailed(_logger, id, error);
            return;
        }

        if (!recorded)
        {
            bool duplicate;
            lock (_recent)
            {
                duplicate = _recent.Contains(id);
            }

            Drop(duplicate ? BusEvent.Duplicate : BusEvent.Unknown, id.ToString());
            return;
        }

        Remember(id);
        var parent = BusTelemetry.ParseContext(message.UserProperties);
        using var activity = BusTelemetry.Source.StartActivity("bus.reply", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.message.id", id.ToString());
        await DeliverAsync(reply!).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands a recorded reply to the sink: its suggested command is struck from the record first
    /// (at most once, even if the process dies while acting on it; if it cannot be struck, the
    /// answer goes without it), the record goes after.
    /// </summary>
    private async Task DeliverAsync(BusReply reply)
    {
        if (reply.Command is not null)
        {
            try
            {
                _outbox.TakeCommand(reply.Id);
            }
            catch (SqliteException error)
            {
                Statistics.Count(BusEvent.LoopError);
                BusLog.SinkFailed(_logger, reply.Id, error);
                reply = reply with { Command = null };
            }
        }

        try
        {
            await _sink.OnReplyAsync(reply, _stop.Token).ConfigureAwait(false);
            Statistics.Count(BusEvent.Answered);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Statistics.Count(BusEvent.LoopError);
            BusLog.SinkFailed(_logger, reply.Id, error);
        }

        try
        {
            _outbox.Delivered(reply.Id);
        }
        catch (SqliteException error)
        {
            Statistics.Count(BusEvent.LoopError);
            BusLog.SinkFailed(_logger, reply.Id, error);
        }
    }

    private void Remember(Guid id)
    {
        lock (_recent)
        {
            if (_recent.Add(id))
            {
                _recentOrder.Enqueue(id);
                if (_recentOrder.Count > RecentCapacity)
                {
                    _recent.Remove(_recentOrder.Dequeue());
                }
            }
        }
    }

    private void Drop(BusEvent reason, string detail)
    {
        Statistics.Count(reason);
        BusLog.Dropped(_logger, reason.ToString(), detail);
    }
}
