using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
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
/// trace context), and leave the outbox only when their reply has been handed to the runtime or
/// their time-to-live ran out. One loop keeps the connection (persistent session, keep-alive,
/// exponential backoff with jitter); one loop drains the outbox in order with bounded in-flight
/// publishes; replies are checked (topic, size, JSON, correlation) and deduplicated.
/// </summary>
public sealed class VehicleBusClient : IAsyncDisposable
{
    private const int RecentCapacity = 4096;

    private readonly CarBusOptions _options;
    private readonly QueryOutbox _outbox;
    private readonly IMqttClient _mqtt;
    private readonly MqttClientOptions _mqttOptions;
    private readonly ICloudReplySink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _jitter;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _disconnected = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Guid> _recent = [];
    private readonly Queue<Guid> _recentOrder = new();
    private readonly ITimer _tick;
    private Task _connection = Task.CompletedTask;
    private Task _sender = Task.CompletedTask;
    private int _disposed;

    private VehicleBusClient(CarBusOptions options, Uri broker, ICloudReplySink sink, TimeProvider time, ILoggerFactory loggers, Random? jitter)
    {
        _options = options;
        Topics = new VehicleTopics(options.VehicleId, options.TopicRoot);
        Broker = broker;
        _sink = sink;
        _time = time;
        _logger = loggers.CreateLogger<VehicleBusClient>();
        _jitter = jitter ?? new Random();
        _inFlight = new SemaphoreSlim(Math.Max(1, options.MaxInFlight));
        _mqttOptions = MqttConnection.CreateOptions(options.Connection, broker, $"car-{options.VehicleId}")
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)Math.Clamp(options.MaxInFlight * 4, 1, ushort.MaxValue))
            .WithMaximumPacketSize((uint)(options.MaxPayloadBytes * 2 + 4096))
            .Build();
        _outbox = new QueryOutbox(options.ResolveOutboxPath(), options.OutboxCapacity, options.DurableOutbox);
        _mqtt = new MqttClientFactory().CreateMqttClient();
        _mqtt.ApplicationMessageReceivedAsync += OnMessageAsync;
        _mqtt.DisconnectedAsync += _ =>
        {
            _disconnected.Writer.TryWrite(true);
            ConnectionChanged?.Invoke(false);
            return Task.CompletedTask;
        };
        // Expiry sweep and retry check, also while nothing else happens.
        _tick = time.CreateTimer(_ => Wake(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Raised with true when connected (session restored) and false when the connection drops.</summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>This vehicle's topics.</summary>
    public VehicleTopics Topics { get; }

    /// <summary>The broker address.</summary>
    public Uri Broker { get; }

    /// <summary>Whether the MQTT connection is up now.</summary>
    public bool IsConnected => _mqtt.IsConnected;

    /// <summary>Counters.</summary>
    public BusStatistics Statistics { get; } = new();

    /// <summary>Queries in the outbox.</summary>
    public int Pending => _outbox.Count;

    /// <summary>
    /// Opens the outbox and starts keeping the connection; returns at once (offline is a normal
    /// state). Pending queries from an earlier process are sent when the connection is up.
    /// </summary>
    /// <param name="options">Configuration; <see cref="BrokerOptions.Broker"/> must be set.</param>
    /// <param name="sink">Receives replies and dropped queries.</param>
    /// <param name="time">Clock for time-to-live, backoff and the periodic sweep.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="jitter">Random source for the backoff jitter (seeded in simulations).</param>
    /// <exception cref="ArgumentException">A bad broker address, topic or TLS file.</exception>
    public static VehicleBusClient Start(CarBusOptions options, ICloudReplySink sink, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        if (string.IsNullOrEmpty(options.Connection.Broker))
        {
            throw new ArgumentException("Bus:Connection:Broker is not set", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPayloadBytes, 64);
        var client = new VehicleBusClient(options, MqttConnection.ParseBroker(options.Connection.Broker), sink, time ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance, jitter);
        client._connection = Task.Run(() => client.KeepConnectedAsync(client._stop.Token));
        client._sender = Task.Run(() => client.SendAsync(client._stop.Token));
        return client;
    }

    /// <summary>
    /// Stores a query in the outbox and wakes the sender; never blocks on the network. A query
    /// whose body is over the payload limit is refused here, before anything is sent.
    /// </summary>
    public EnqueueResult Enqueue(BusQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Statistics.Count(BusEvent.Refused);
            return new EnqueueResult(EnqueueStatus.Refused, "the bus is shut down");
        }

        var size = WireJson.Serialize(new QueryBody(query.Text, query.Speaker)).Length;
        if (size > _options.MaxPayloadBytes)
        {
            Statistics.Count(BusEvent.Refused);
            return new EnqueueResult(EnqueueStatus.Refused, $"query of {size} bytes is over the {_options.MaxPayloadBytes}-byte payload limit");
        }

        var caller = Activity.Current;
        var evicted = _outbox.Add(query, caller?.Id, caller?.TraceStateString);
        foreach (var id in evicted)
        {
            Statistics.Count(BusEvent.Evicted);
            BusLog.Evicted(_logger, _outbox.Capacity, id);
            _sink.OnDropped(new BusQuery(id, string.Empty, default), QueryDropReason.Evicted);
        }

        Statistics.Count(BusEvent.Enqueued);
        var connected = _mqtt.IsConnected;
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
        await Task.WhenAll(_connection, _sender).ConfigureAwait(false);
        if (_mqtt.IsConnected)
        {
            try
            {
                await _mqtt.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build()).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                BusLog.DisconnectFailed(_logger, e.Message);
            }
        }

        _mqtt.Dispose();
        _outbox.Dispose();
        _stop.Dispose();
        _inFlight.Dispose();
    }

    /// <summary>The delay before reconnect attempt <paramref name="attempt"/> (1-based): exponential, capped, ±25 % jitter.</summary>
    internal static TimeSpan Backoff(int attempt, TimeSpan min, TimeSpan max, double random)
    {
        var exponential = min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.75 + (0.5 * random)));
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task KeepConnectedAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!_mqtt.IsConnected)
            {
                try
                {
                    var result = await _mqtt.ConnectAsync(_mqttOptions, cancellationToken).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                    }

                    var subscription = new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter(f => f.WithTopic(Topics.Reply).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                        .Build();
                    Topics.EnsureOwn(Topics.Reply);
                    var subscribed = await _mqtt.SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false);
                    if (subscribed.Items.Any(i => (int)i.ResultCode > 2))
                    {
                        throw new InvalidOperationException($"broker refused the subscription to {Topics.Reply}: {subscribed.Items.First().ResultCode}");
                    }

                    _outbox.ResetAfterReconnect(result.IsSessionPresent);
                    attempt = 0;
                    Statistics.Count(BusEvent.Connected);
                    BusLog.Connected(_logger, Broker, Topics.VehicleId, result.IsSessionPresent ? "restored" : "new", _outbox.Count);
                    ConnectionChanged?.Invoke(true);
                    Wake();
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    attempt++;
                    var delay = Backoff(attempt, _options.ReconnectMin, _options.ReconnectMax, NextJitter());
                    if (attempt == 1)
                    {
                        BusLog.Unreachable(_logger, Broker, e.Message, _options.ReconnectMax);
                    }
                    else
                    {
                        BusLog.RetryFailed(_logger, attempt, e.Message, delay);
                    }

                    if (_mqtt.IsConnected)
                    {
                        await _mqtt.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                    }

                    try
                    {
                        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    continue;
                }
            }

            try
            {
                await _disconnected.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private double NextJitter()
    {
        lock (_jitter)
        {
            return _jitter.NextDouble();
        }
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                var now = _time.GetUtcNow();
                foreach (var expired in _outbox.RemoveExpired(now))
                {
                    Statistics.Count(BusEvent.Expired);
                    BusLog.Expired(_logger, expired.Query.Id);
                    _sink.OnDropped(expired.Query, QueryDropReason.Expired);
                }

                if (!_mqtt.IsConnected)
                {
                    continue;
                }

                foreach (var entry in _outbox.Due(now, _options.RetryAfter, 256))
                {
                    await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (!_mqtt.IsConnected)
                    {
                        _inFlight.Release();
                        break;
                    }

                    _outbox.MarkSent(entry.Query.Id, _time.GetUtcNow());
                    _ = PublishAsync(entry, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var query = entry.Query;
            var parent = BusTelemetry.ParseContext(entry.TraceParent, entry.TraceState);
            using var activity = BusTelemetry.Source.StartActivity("bus.publish", ActivityKind.Producer, parent);
            activity?.SetTag("messaging.system", "mqtt");
            activity?.SetTag("messaging.destination.name", Topics.Query);
            activity?.SetTag("messaging.message.id", query.Id.ToString());
            var remaining = query.Expires - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            Topics.EnsureOwn(Topics.Query);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Query)
                .WithPayload(WireJson.Serialize(new QueryBody(query.Text, query.Speaker)))
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
                _outbox.MarkAcknowledged(query.Id);
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
        var entry = _outbox.Find(id);
        if (entry is null)
        {
            bool duplicate;
            lock (_recent)
            {
                duplicate = _recent.Contains(id);
            }

            Drop(duplicate ? BusEvent.Duplicate : BusEvent.Unknown, id.ToString());
            return;
        }

        var parent = BusTelemetry.ParseContext(message.UserProperties);
        using var activity = BusTelemetry.Source.StartActivity("bus.reply", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.message.id", id.ToString());
        var reply = new BusReply(id, entry.Query.Text, entry.Query.Speaker, body.Text ?? string.Empty, body.Command, body.Error);
        try
        {
            await _sink.OnReplyAsync(reply, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Not acknowledged to the outbox: the query stays and is asked again later.
            BusLog.SinkFailed(_logger, id, error);
            return;
        }

        _outbox.Remove(id);
        Remember(id);
        Statistics.Count(BusEvent.Answered);
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
