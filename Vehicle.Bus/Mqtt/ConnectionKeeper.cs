using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Vehicle.Bus.Mqtt;

/// <summary>
/// Keeps one MQTT connection up (MQTTnet 5 has no managed client): connects, runs the caller's
/// set-up (subscriptions), and after every drop reconnects with exponential backoff and jitter,
/// capped. A half-open connection is found by the client's keep-alive ping.
/// </summary>
public sealed class ConnectionKeeper : IAsyncDisposable
{
    private readonly IMqttClient _mqtt;
    private readonly MqttClientOptions _options;
    private readonly Func<MqttClientConnectResult, CancellationToken, Task> _onConnected;
    private readonly BrokerOptions _settings;
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private readonly ILogger _logger;
    private readonly Uri _broker;
    private readonly SemaphoreSlim _dropped = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _failures;
    private volatile bool _ready;
    private volatile bool _connecting;

    /// <summary>Creates the keeper; <see cref="Start"/> or <see cref="ConnectOnceAsync"/> starts it.</summary>
    /// <param name="mqtt">The client to keep connected.</param>
    /// <param name="options">Its connect options.</param>
    /// <param name="broker">The broker (for logs).</param>
    /// <param name="settings">Backoff bounds.</param>
    /// <param name="onConnected">Set-up after each connect (subscriptions), before <see cref="IsReady"/>.</param>
    /// <param name="time">Clock of the backoff.</param>
    /// <param name="jitter">Backoff jitter.</param>
    /// <param name="logger">Logging.</param>
    public ConnectionKeeper(IMqttClient mqtt, MqttClientOptions options, Uri broker, BrokerOptions settings, Func<MqttClientConnectResult, CancellationToken, Task> onConnected, TimeProvider time, Random jitter, ILogger logger)
    {
        _mqtt = mqtt;
        _options = options;
        _broker = broker;
        _settings = settings;
        _onConnected = onConnected;
        _time = time;
        _jitter = jitter;
        _logger = logger;
        _mqtt.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                _ready = false;
                // A reconnect attempt follows at once: busy from now until it is done or waiting on its delay.
                _connecting = true;
                _dropped.Release();
                ConnectionChanged?.Invoke(false);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>True when connected and set up, false when the connection dropped.</summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>
    /// Connected and set up (subscribed): only then may the owner publish. Turns false when the
    /// drop is handled (the reconnect is then under way), so it and <see cref="IsConnecting"/>
    /// change together.
    /// </summary>
    public bool IsReady => _ready;

    /// <summary>
    /// A connection attempt is in progress or about to be, and its retry delay is not yet waiting
    /// on the clock (a simulation waits for this to clear before it moves its clock).
    /// </summary>
    public bool IsConnecting => _connecting;

    /// <summary>Failed connection attempts so far (refused, unreachable, bad certificate).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The last connection error, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>The delay before reconnect attempt <paramref name="attempt"/> (1-based): exponential, capped, ±25 % jitter.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan min, TimeSpan max, double random)
    {
        var exponential = min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.75 + (0.5 * random)));
    }

    /// <summary>Starts the loop; returns at once.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Connects once, now, and throws when that fails (for callers that must not start offline).</summary>
    public async Task ConnectOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _connecting = false;
            throw;
        }

        Start();
    }

    /// <summary>Stops reconnecting and disconnects cleanly.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
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

        _stop.Dispose();
        _dropped.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        // A link that swallows bytes (a tunnel) must not hold the attempt past the timeout.
        // Cleared on success here, on failure once the retry delay waits on the clock.
        _connecting = true;
        await ConnectAndSetUpAsync(cancellationToken).ConfigureAwait(false);
        _connecting = false;
    }

    private async Task ConnectAndSetUpAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_settings.Timeout * 2);
        MqttClientConnectResult result;
        try
        {
            result = await _mqtt.ConnectAsync(_options, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no CONNACK within {_settings.Timeout * 2}");
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        await _onConnected(result, cancellationToken).ConfigureAwait(false);
        // Drops seen before this connection are history.
        while (_dropped.CurrentCount > 0 && _mqtt.IsConnected)
        {
            await _dropped.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _ready = true;
        ConnectionChanged?.Invoke(true);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_mqtt.IsConnected)
                {
                    await _dropped.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await ConnectAsync(cancellationToken).ConfigureAwait(false);
                attempt = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                attempt++;
                Interlocked.Increment(ref _failures);
                LastError = e.Message;
                double random;
                lock (_jitter)
                {
                    random = _jitter.NextDouble();
                }

                var delay = Backoff(attempt, _settings.ReconnectMin, _settings.ReconnectMax, random);
                if (attempt == 1)
                {
                    BusLog.Unreachable(_logger, _broker, e.Message, _settings.ReconnectMax);
                }
                else
                {
                    BusLog.RetryFailed(_logger, attempt, e.Message, delay);
                }

                try
                {
                    if (_mqtt.IsConnected)
                    {
                        await _mqtt.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    }

                    var wait = Task.Delay(delay, _time, cancellationToken);
                    _connecting = false;
                    await wait.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (MQTTnet.Exceptions.MqttCommunicationException)
                {
                }
            }
        }
    }
}
