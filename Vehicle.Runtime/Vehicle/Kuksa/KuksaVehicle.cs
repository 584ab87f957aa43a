using System.Collections.Frozen;
using System.Globalization;
using System.Net.Security;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Vehicle.Kuksa.Wire;
using Metadata = Grpc.Core.Metadata;

namespace Vehicle.Runtime.Vehicle.Kuksa;

/// <summary>
/// The vehicle behind an Eclipse KUKSA.val databroker (<c>kuksa.val.v2.VAL</c> over gRPC). One
/// background loop reads each signal's data type (<c>ListMetadata</c>), subscribes to the signals
/// the policy and the answers read, and keeps the signal store equal to the vehicle (reconnecting
/// after any failure). An actuation is sent with <c>Actuate</c> / <c>BatchActuate</c> before the
/// request's deadline and counts as done only when the subscribed value shows it within
/// <see cref="KuksaOptions.ConfirmTimeout"/>: the databroker's success means "forwarded to the
/// provider", not "done". Failures surface as a <c>failed</c> outcome whose reason starts with
/// <c>vehicle_api_unavailable</c>, <c>not_confirmed</c>, <c>not_found</c>, <c>rejected</c> or
/// <c>not_permitted</c>.
/// </summary>
public sealed partial class KuksaVehicle : IVehicleActuator, IAsyncDisposable
{
    private readonly KuksaOptions _options;
    private readonly SignalStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly VAL.VALClient _client;
    private readonly Metadata? _headers;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstValues = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];
    private readonly Task _loop;
    private FrozenDictionary<string, DataType> _types = FrozenDictionary<string, DataType>.Empty;
    private IReadOnlyList<string> _unknown = [];
    private volatile bool _subscribed;
    private volatile string? _lastError;
    private long _reconnects;
    private long _rejectedValues;

    private KuksaVehicle(KuksaOptions options, SignalStore store, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _store = store;
        _time = time;
        _logger = loggers.CreateLogger<KuksaVehicle>();
        _channel = CreateChannel(options);
        _client = new VAL.VALClient(_channel);
        if (options.TokenFile is { Length: > 0 } tokenFile)
        {
            _headers = [new Metadata.Entry("authorization", "Bearer " + File.ReadAllText(tokenFile).Trim())];
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>Failed connection or subscription attempts so far.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Values from the vehicle the signal store refused (outside the signal's range or type).</summary>
    public long RejectedValues => Interlocked.Read(ref _rejectedValues);

    /// <summary>Whether the subscription is live, and what the databroker is, in words.</summary>
    public VehicleApiStatus Status => _subscribed
        ? new VehicleApiStatus(true, $"KUKSA databroker at {_options.Address}: {_types.Count} signals subscribed" + (_unknown.Count > 0 ? $", {_unknown.Count} unknown to it ({string.Join(", ", _unknown.Take(3))}{(_unknown.Count > 3 ? ", …" : string.Empty)})" : string.Empty))
        : new VehicleApiStatus(false, $"KUKSA databroker at {_options.Address} not connected: {_lastError ?? "connecting"}");

    /// <summary>
    /// Connects to the databroker and waits up to <see cref="KuksaOptions.ConnectWait"/> for the
    /// first values; starts anyway when they do not come (actuations fail until they do).
    /// </summary>
    public static async Task<KuksaVehicle> StartAsync(KuksaOptions options, SignalStore store, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        var vehicle = new KuksaVehicle(options, store, time ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance);
        try
        {
            await vehicle._firstValues.Task.WaitAsync(options.ConnectWait, vehicle._time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogNotYetConnected(vehicle._logger, options.Address, options.ConnectWait.TotalMilliseconds, vehicle._lastError ?? "no answer");
        }
        catch
        {
            await vehicle.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return vehicle;
    }

    /// <inheritdoc/>
    public async ValueTask ApplyAsync(IReadOnlyList<Actuation> actuations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actuations);
        if (!_subscribed)
        {
            throw new VehicleApiException("vehicle_api_unavailable: " + Status.Description);
        }

        var types = _types;
        var requests = new List<ActuateRequest>(actuations.Count);
        var waiters = new List<Waiter>(actuations.Count);
        foreach (var actuation in actuations)
        {
            if (!types.TryGetValue(actuation.Path, out var type))
            {
                throw new VehicleApiException($"not_found: the databroker has no signal {actuation.Path}");
            }

            var value = ToWire(actuation.Value, type) ?? throw new VehicleApiException($"rejected: {actuation.Path} is {type}, which cannot take {actuation.Value}");
            requests.Add(new ActuateRequest { SignalId = new SignalID { Path = actuation.Path }, Value = value });
            var expected = FromWire(value)!.Value;
            if (!Same(_store.Get(actuation.Path), expected))
            {
                waiters.Add(new Waiter(actuation.Path, expected));
            }
        }

        lock (_gate)
        {
            _waiters.AddRange(waiters);
        }

        try
        {
            try
            {
                if (requests.Count == 1)
                {
                    await _client.ActuateAsync(requests[0], _headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _client.BatchActuateAsync(new BatchActuateRequest { ActuateRequests = { requests } }, _headers, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the request's deadline passed before the databroker took the actuation", cancellationToken);
            }
            catch (RpcException e)
            {
                throw new VehicleApiException(Reason(e), e);
            }

            // Forwarded before the deadline: the vehicle is moving. Whether it got there is what
            // the subscription shows, within its own timeout (not the request's deadline).
            if (waiters.Count > 0)
            {
                try
                {
                    await Task.WhenAll(waiters.Select(w => w.Done.Task)).WaitAsync(_options.ConfirmTimeout, _time, CancellationToken.None).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    var late = waiters.Where(w => !w.Done.Task.IsCompleted).Select(w => $"{w.Path} did not report {w.Value}");
                    throw new VehicleApiException($"not_confirmed: {string.Join("; ", late)} within {_options.ConfirmTimeout.TotalMilliseconds:0} ms");
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                foreach (var waiter in waiters)
                {
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    /// <summary>Stops the subscription loop and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _channel.Dispose();
        _stop.Dispose();
    }

    /// <summary>The value on the wire for a signal of <paramref name="type"/>; null when it cannot be one.</summary>
    internal static Value? ToWire(SignalValue value, DataType type) => type switch
    {
        DataType.String => new Value { String = value.Text ?? value.ToString() },
        DataType.Boolean => value.Boolean is { } flag ? new Value { Bool = flag } : null,
        DataType.Int8 or DataType.Int16 or DataType.Int32 => value.Number is { } n && Math.Round(n) is >= int.MinValue and <= int.MaxValue ? new Value { Int32 = (int)Math.Round(n) } : null,
        DataType.Int64 => value.Number is { } n && Math.Round(n) is >= long.MinValue and <= long.MaxValue ? new Value { Int64 = (long)Math.Round(n) } : null,
        DataType.Uint8 or DataType.Uint16 or DataType.Uint32 => value.Number is { } n && Math.Round(n) is >= 0 and <= uint.MaxValue ? new Value { Uint32 = (uint)Math.Round(n) } : null,
        DataType.Uint64 => value.Number is { } n && Math.Round(n) is >= 0 and <= ulong.MaxValue ? new Value { Uint64 = (ulong)Math.Round(n) } : null,
        DataType.Float => value.Number is { } n ? new Value { Float = (float)n } : null,
        DataType.Double => value.Number is { } n ? new Value { Double = n } : null,
        _ => null,
    };

    /// <summary>A value from the wire as the store keeps it; null for arrays and empty values.</summary>
    internal static SignalValue? FromWire(Value? value) => value?.TypedValueCase switch
    {
        Value.TypedValueOneofCase.String => SignalValue.Of(value.String),
        Value.TypedValueOneofCase.Bool => SignalValue.Of(value.Bool),
        Value.TypedValueOneofCase.Int32 => SignalValue.Of(value.Int32),
        Value.TypedValueOneofCase.Int64 => SignalValue.Of(value.Int64),
        Value.TypedValueOneofCase.Uint32 => SignalValue.Of(value.Uint32),
        Value.TypedValueOneofCase.Uint64 => SignalValue.Of(value.Uint64),

        // A float's shortest round-trip text: 21.3f is 21.3, not 21.299999237060547.
        Value.TypedValueOneofCase.Float => SignalValue.Of(double.Parse(value.Float.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)),
        Value.TypedValueOneofCase.Double => SignalValue.Of(value.Double),
        _ => null,
    };

    private static bool Same(SignalValue a, SignalValue b) =>
        a.Number is { } x && b.Number is { } y ? Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(y)) : a == b;

    private static string Reason(RpcException e) => e.StatusCode switch
    {
        StatusCode.Unavailable => "vehicle_api_unavailable: " + e.Status.Detail,
        StatusCode.NotFound => "not_found: " + e.Status.Detail,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => "not_permitted: " + e.Status.Detail,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => "rejected: " + e.Status.Detail,
        _ => $"vehicle_api_error: {e.StatusCode}: {e.Status.Detail}",
    };

    private static GrpcChannel CreateChannel(KuksaOptions options)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        var address = options.Address;
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            handler.ConnectCallback = UnixSocket.Connect(address["unix:".Length..]);
            address = "http://localhost";
        }
        else if (options.CaFile is { Length: > 0 } caFile)
        {
            // Pinned as the bus pins its broker: chain to the CA file, name the host, serverAuth.
            var pinned = MqttConnection.LoadCertificates(caFile);
            var host = new Uri(address).Host;
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => MqttConnection.Validate(certificate, chain, errors, host, pinned),
            };
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private async Task RunAsync()
    {
        var quiet = false;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                (_types, _unknown) = await MetadataAsync().ConfigureAwait(false);
                using var call = _client.Subscribe(new SubscribeRequest { SignalPaths = { _types.Keys } }, _headers, cancellationToken: _stop.Token);
                await foreach (var response in call.ResponseStream.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    foreach (var (path, point) in response.Entries)
                    {
                        Apply(path, point);
                    }

                    if (!_subscribed)
                    {
                        _subscribed = true;
                        _lastError = null;
                        quiet = false;
                        _firstValues.TrySetResult();
                        LogSubscribed(_logger, _options.Address, _types.Count, _unknown.Count);
                    }
                }

                throw new RpcException(new Status(StatusCode.Unavailable, "the databroker ended the subscription"));
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _subscribed = false;
                _lastError = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
                Interlocked.Increment(ref _reconnects);
                if (!quiet)
                {
                    // Once per outage; the next success logs again.
                    LogLost(_logger, _options.Address, _lastError);
                    quiet = true;
                }
            }

            try
            {
                await Task.Delay(_options.ReconnectDelay, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Each signal's data type; signals the databroker does not know are left out (and reported).</summary>
    private async Task<(FrozenDictionary<string, DataType>, IReadOnlyList<string>)> MetadataAsync()
    {
        var paths = _options.Signals.Count > 0 ? _options.Signals : _store.Definitions.Select(d => d.Path).ToList();
        var types = new Dictionary<string, DataType>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var path in paths)
        {
            try
            {
                var listed = await _client.ListMetadataAsync(new ListMetadataRequest { Root = path }, _headers, cancellationToken: _stop.Token).ConfigureAwait(false);
                var entry = listed.Metadata.FirstOrDefault(m => m.Path == path) ?? (listed.Metadata.Count == 1 ? listed.Metadata[0] : null);
                if (entry is null)
                {
                    unknown.Add(path);
                }
                else
                {
                    types[path] = entry.DataType;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                unknown.Add(path);
            }
        }

        if (unknown.Count > 0)
        {
            LogUnknownSignals(_logger, unknown.Count, string.Join(", ", unknown));
        }

        return (types.ToFrozenDictionary(StringComparer.Ordinal), unknown);
    }

    private void Apply(string path, Datapoint point)
    {
        if (FromWire(point.Value) is not { } value)
        {
            return;
        }

        List<Waiter>? confirmed = null;
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                if (waiter.Path == path && Same(value, waiter.Value))
                {
                    (confirmed ??= []).Add(waiter);
                }
            }
        }

        // The store first: when an actuation returns, the store already shows it.
        if (_store.Set(path, value, confirmed is null ? "vehicle" : "actuator") is { } error)
        {
            Interlocked.Increment(ref _rejectedValues);
            LogRejectedValue(_logger, path, value, error);
        }

        foreach (var waiter in confirmed ?? [])
        {
            waiter.Done.TrySetResult();
        }
    }

    private sealed record Waiter(string Path, SignalValue Value)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vehicle API: KUKSA databroker at {Address}, {Count} signals subscribed ({Unknown} unknown to it)")]
    private static partial void LogSubscribed(ILogger logger, string address, int count, int unknown);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vehicle API: no values from the KUKSA databroker at {Address} within {Milliseconds} ms ({Error}); starting anyway, actuations fail until it answers")]
    private static partial void LogNotYetConnected(ILogger logger, string address, double milliseconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vehicle API: KUKSA databroker at {Address} lost ({Error}); reconnecting")]
    private static partial void LogLost(ILogger logger, string address, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vehicle API: the databroker does not know {Count} of the car's signals: {Paths}")]
    private static partial void LogUnknownSignals(ILogger logger, int count, string paths);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Vehicle API: {Path} = {Value} from the vehicle refused by the signal store: {Error}")]
    private static partial void LogRejectedValue(ILogger logger, string path, SignalValue value, string error);
}

/// <summary>The vehicle API refused or did not carry out an actuation; the message starts with a machine-readable reason.</summary>
public sealed class VehicleApiException : Exception
{
    /// <summary>An error without a message.</summary>
    public VehicleApiException()
    {
    }

    /// <summary>An error with its reason.</summary>
    public VehicleApiException(string message)
        : base(message)
    {
    }

    /// <summary>An error with its reason and cause.</summary>
    public VehicleApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
