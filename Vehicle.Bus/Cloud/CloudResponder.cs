using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Vehicle.Bus.Mqtt;

namespace Vehicle.Bus.Cloud;

/// <summary>
/// The cloud side: joins the shared subscription <c>$share/{group}/{root}/+/copilot/query</c>, answers
/// each query on its own Response Topic (which must belong to the asking vehicle) with its
/// Correlation Data copied, and drops queries whose Message Expiry Interval ran out. Acknowledges
/// a query (PUBACK) only after its reply is published, so a responder that dies mid-question
/// leaves it to be redelivered. Scale-out is the broker's job: N responders in one group split the load.
/// </summary>
public sealed partial class CloudResponder : IAsyncDisposable
{
    private readonly ResponderOptions _options;
    private readonly ICloudBackend _backend;
    private readonly IMqttClient _mqtt;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly int _workers;
    private readonly CancellationTokenSource _stop = new();
    private readonly Meter _meter;
    private readonly Counter<long> _dropped;
    private readonly byte[]? _replyKey;
    private ConnectionKeeper? _keeper;
    private int _connection;

    private CloudResponder(ResponderOptions options, ICloudBackend backend, TimeProvider time, ILogger logger, IMeterFactory? meters)
    {
        _options = options;
        _replyKey = ReplySignature.ParseKey(options.ReplyKey);
        _meter = BusTelemetry.CreateMeter(meters, this);
        _dropped = BusTelemetry.CreateDroppedCounter(_meter);
        _backend = backend;
        _time = time;
        _logger = logger;
        _workers = Math.Max(1, options.Workers);
        _slots = new SemaphoreSlim(_workers);
        _mqtt = new MqttClientFactory().CreateMqttClient();
        _mqtt.ApplicationMessageReceivedAsync += async e =>
        {
            e.AutoAcknowledge = false;
            var received = _time.GetTimestamp();
            // At most Workers questions at once: when all are busy, the receive loop waits (backpressure).
            await _slots.WaitAsync(_stop.Token).ConfigureAwait(false);
            _ = HandleAsync(e, received, Volatile.Read(ref _connection));
        };
    }

    /// <summary>Counters.</summary>
    public ResponderStatistics Statistics { get; } = new();

    /// <summary>Whether it is connected and subscribed.</summary>
    public bool IsConnected => _keeper?.IsReady ?? false;

    /// <summary>Connects, subscribes and starts answering.</summary>
    /// <param name="options">Connection, group, workers, payload limit.</param>
    /// <param name="backend">What answers.</param>
    /// <param name="time">Clock of expiry checks.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="meterFactory">Where the responder's meter comes from; null: a meter of its own, disposed with it.</param>
    /// <param name="cancellationToken">Cancels the first connection.</param>
    /// <exception cref="InvalidOperationException">The broker refused the connection or the subscription.</exception>
    public static async Task<CloudResponder> StartAsync(ResponderOptions options, ICloudBackend backend, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        var broker = MqttConnection.ParseBroker(options.Connection.Broker ?? throw new ArgumentException("Responder:Connection:Broker is not set", nameof(options)));
        var clientId = string.IsNullOrEmpty(options.ClientId) ? $"responder-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48] : options.ClientId;
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<CloudResponder>();
        var responder = new CloudResponder(options, backend, time ?? TimeProvider.System, logger, meterFactory);
        var mqttOptions = MqttConnection.CreateOptions(options.Connection, broker, clientId).WithCleanStart(true).Build();
        responder._keeper = new ConnectionKeeper(
            responder._mqtt,
            mqttOptions,
            broker,
            options.Connection,
            (_, ct) =>
            {
                Interlocked.Increment(ref responder._connection);
                return MqttConnection.SubscribeAsync(responder._mqtt, options.Filter, ct);
            },
            responder._time,
            new Random(),
            logger);
        try
        {
            await responder._keeper.ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await responder.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LogReady(logger, clientId, options.Filter, broker, backend.Name, responder._workers);
        return responder;
    }

    /// <summary>Stops answering and disconnects; unanswered queries are not acknowledged and go to another responder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        // Wait for the questions in progress to finish or notice the cancellation.
        for (var i = 0; i < _workers; i++)
        {
            await _slots.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        if (_keeper is not null)
        {
            await _keeper.DisposeAsync().ConfigureAwait(false);
        }

        _mqtt.Dispose();
        _stop.Dispose();
        _slots.Dispose();
        _meter.Dispose();
    }

    /// <summary>
    /// One question: runs on the receive loop until its first real wait (a zero-think-time answer
    /// goes out without a thread hop), then in the background; its slot frees when it is done.
    /// </summary>
    private async Task HandleAsync(MqttApplicationMessageReceivedEventArgs e, long received, int connection)
    {
        try
        {
            await AnswerAsync(e.ApplicationMessage, received, connection).ConfigureAwait(false);
            await e.AcknowledgeAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception error) when (error is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            // The connection dropped mid-answer: the query was not acknowledged, so the broker
            // (or the car's retry) brings it back.
            LogInterrupted(_logger, error.Message);
        }
        catch (Exception error) when (error is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            // Anything else: counted and acknowledged, so the broker's in-flight window does not
            // fill with queries this responder will never finish (the car asks again after its
            // RetryAfter when no reply came).
            Statistics.CountFailed();
            LogUnexpected(_logger, error);
            await AcknowledgeQuietlyAsync(e).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task AnswerAsync(MqttApplicationMessage query, long received, int connection)
    {
        var prefix = VehicleTopics.PrefixOfQueryTopic(query.Topic);
        var replyTopic = query.ResponseTopic;
        // Answer only into the asking vehicle's own prefix: a query cannot make the responder write to another car.
        if (prefix is null || string.IsNullOrEmpty(replyTopic) || !replyTopic.StartsWith(prefix, StringComparison.Ordinal) || replyTopic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            Reject("response_topic", $"{query.Topic} -> {replyTopic}");
            return;
        }

        if (query.Payload.Length > _options.MaxPayloadBytes)
        {
            Reject("oversized", $"{query.Payload.Length} bytes on {query.Topic}");
            return;
        }

        var expiry = query.MessageExpiryInterval;
        var deadline = expiry == 0 ? long.MaxValue : received + (expiry * _time.TimestampFrequency);
        var parent = BusTelemetry.ParseContext(query.UserProperties);
        using var activity = BusTelemetry.Source.StartActivity("responder.answer", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.destination.name", query.Topic);

        ReplyBody reply;
        QueryBody? body = null;
        try
        {
            var reader = new Utf8JsonReader(query.Payload);
            body = JsonSerializer.Deserialize(ref reader, WireJson.Default.QueryBody);
        }
        catch (JsonException)
        {
        }

        if (body is null || string.IsNullOrWhiteSpace(body.Text))
        {
            reply = new ReplyBody(null, Error: "bad_request: the body must be JSON with a non-empty \"text\"");
        }
        else if (Expired(deadline))
        {
            Statistics.CountExpired();
            return;
        }
        else
        {
            try
            {
                var answer = await _backend.AnswerAsync(body.Text, body.Location, _stop.Token).ConfigureAwait(false);
                reply = new ReplyBody(answer.Text, answer.Command);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                // Whatever the backend throws (its own failures, an HTTP error, a bug), the car gets
                // an error reply at once instead of waiting for the time-to-live.
                LogBackendFailed(_logger, _backend.Name, query.CorrelationData is { } c ? Convert.ToHexString(c) : "-", e.Message);
                reply = new ReplyBody(null, Error: e is CloudBackendException ? $"backend_failed: {e.Message}" : $"backend_failed: {e.GetType().Name}");
            }
        }

        if (Expired(deadline))
        {
            Statistics.CountExpired();
            activity?.SetTag("outcome", "expired");
            return;
        }

        var remaining = deadline == long.MaxValue ? 0 : (uint)Math.Max(1, Math.Ceiling(_time.GetElapsedTime(_time.GetTimestamp(), deadline).TotalSeconds));
        var payload = WireJson.Serialize(reply);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(replyTopic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithCorrelationData(query.CorrelationData)
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithMessageExpiryInterval(remaining)
            .WithTraceContext(activity?.Id, activity?.TraceStateString);
        if (_replyKey is not null)
        {
            message.WithSignature(_replyKey, query.CorrelationData ?? [], payload);
        }

        if (connection != Volatile.Read(ref _connection))
        {
            // The connection the query came on is gone: it was not acknowledged, so the broker
            // redelivers it or the car asks again. An answer now would only be a duplicate.
            Statistics.CountAbandoned();
            return;
        }

        await _mqtt.PublishAsync(message.Build(), _stop.Token).ConfigureAwait(false);
        if (reply.Error is null)
        {
            Statistics.CountAnswered();
        }
        else
        {
            Statistics.CountFailed();
        }
    }

    private bool Expired(long deadline) => deadline != long.MaxValue && _time.GetTimestamp() >= deadline;

    private void Reject(string reason, string detail)
    {
        Statistics.CountRejected();
        _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
        LogDropped(_logger, reason, detail);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Responder {Client} answering {Filter} on {Broker} with the {Backend} backend ({Workers} workers)")]
    private static partial void LogReady(ILogger logger, string client, string filter, Uri broker, string backend, int workers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Backend} backend failed on query {Id}: {Error}")]
    private static partial void LogBackendFailed(ILogger logger, string backend, string id, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answer interrupted by a dropped connection ({Error}); the query comes again")]
    private static partial void LogInterrupted(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a message ({Reason}): {Detail}")]
    private static partial void LogDropped(ILogger logger, string reason, string detail);

    private async Task AcknowledgeQuietlyAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            await e.AcknowledgeAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            LogInterrupted(_logger, error.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering a query failed unexpectedly; it is acknowledged and the responder goes on")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
