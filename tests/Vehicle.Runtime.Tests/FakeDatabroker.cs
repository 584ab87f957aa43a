using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vehicle.Runtime.Vehicle;
using Vehicle.Runtime.Vehicle.Kuksa;
using Vehicle.Runtime.Vehicle.Kuksa.Wire;
using Metadata = Vehicle.Runtime.Vehicle.Kuksa.Wire.Metadata;

namespace Vehicle.Runtime.Tests;

/// <summary>What the provider of an actuator does with an actuation the databroker forwards.</summary>
internal enum Provider
{
    /// <summary>No provider is registered: the databroker answers UNAVAILABLE.</summary>
    None,

    /// <summary>The actuator moves and reports its new value.</summary>
    Moves,

    /// <summary>The actuator takes the request and never reports it done.</summary>
    Stuck,
}

/// <summary>
/// An in-process server of <c>kuksa.val.v2.VAL</c>, as the Eclipse KUKSA databroker behaves (no
/// databroker binary is reachable on the test machines): metadata per signal, a subscription
/// that first sends every current value and then the changes, actuations forwarded to a provider
/// (UNAVAILABLE without one), a value of the wrong type refused with INVALID_ARGUMENT.
/// </summary>
internal sealed class FakeDatabroker : VAL.VALBase, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DataType Type, Value? Current)> _signals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Provider> _providers = new(StringComparer.Ordinal);
    private readonly List<Channel<(string Path, Value Value)>> _subscribers = [];
    private WebApplication? _app;

    /// <summary>Every actuation the databroker took, in order.</summary>
    public List<ActuateRequest> Actuations { get; } = [];

    /// <summary>How long a moving actuator takes to report.</summary>
    public TimeSpan MoveTime { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A databroker knowing the car's signals except <paramref name="unknown"/>, with <paramref name="provider"/> behind every actuator.</summary>
    public static async Task<FakeDatabroker> StartAsync(string socket, Provider provider, params string[] unknown)
    {
        var broker = new FakeDatabroker();
        foreach (var definition in ChannelTestKit.NewStore().Definitions.Where(d => !unknown.Contains(d.Path)))
        {
            var type = definition.Type switch
            {
                SignalType.Boolean => DataType.Boolean,
                SignalType.Text => DataType.String,
                SignalType.Real => DataType.Float,
                _ => definition.Min < 0 ? DataType.Int8 : DataType.Uint8,
            };
            broker._signals[definition.Path] = (type, KuksaVehicle.ToWire(definition.Initial, type));
            broker._providers[definition.Path] = definition.Path == "Vehicle.Speed" ? Provider.None : provider;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(broker);
        broker._app = builder.Build();
        broker._app.MapGrpcService<FakeDatabroker>();
        await broker._app.StartAsync();
        return broker;
    }

    /// <summary>The vehicle reports a new value (a sensor such as the speed).</summary>
    public void Publish(string path, Value value)
    {
        lock (_gate)
        {
            _signals[path] = (_signals[path].Type, value);
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite((path, value));
            }
        }
    }

    public override Task<ListMetadataResponse> ListMetadata(ListMetadataRequest request, ServerCallContext context)
    {
        lock (_gate)
        {
            if (!_signals.TryGetValue(request.Root, out var signal))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"Specified root branch does not exist: {request.Root}"));
            }

            return Task.FromResult(new ListMetadataResponse { Metadata = { new Metadata { Path = request.Root, DataType = signal.Type, EntryType = EntryType.Actuator } } });
        }
    }

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<SubscribeResponse> responseStream, ServerCallContext context)
    {
        var changes = Channel.CreateUnbounded<(string Path, Value Value)>();
        var first = new SubscribeResponse();
        lock (_gate)
        {
            foreach (var path in request.SignalPaths)
            {
                if (!_signals.TryGetValue(path, out var signal))
                {
                    throw new RpcException(new Status(StatusCode.NotFound, $"Path not found: {path}"));
                }

                if (signal.Current is not null)
                {
                    first.Entries[path] = new Datapoint { Value = signal.Current };
                }
            }

            _subscribers.Add(changes);
        }

        try
        {
            await responseStream.WriteAsync(first);
            await foreach (var (path, value) in changes.Reader.ReadAllAsync(context.CancellationToken))
            {
                if (request.SignalPaths.Contains(path))
                {
                    await responseStream.WriteAsync(new SubscribeResponse { Entries = { [path] = new Datapoint { Value = value } } });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(changes);
            }
        }
    }

    public override Task<ActuateResponse> Actuate(ActuateRequest request, ServerCallContext context)
    {
        Forward([request]);
        return Task.FromResult(new ActuateResponse());
    }

    public override Task<BatchActuateResponse> BatchActuate(BatchActuateRequest request, ServerCallContext context)
    {
        Forward(request.ActuateRequests);
        return Task.FromResult(new BatchActuateResponse());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>All or nothing, as upstream's BatchActuate: every request is checked before any is forwarded.</summary>
    private void Forward(IReadOnlyList<ActuateRequest> requests)
    {
        lock (_gate)
        {
            foreach (var request in requests)
            {
                var path = request.SignalId.Path;
                if (!_signals.TryGetValue(path, out var signal))
                {
                    throw new RpcException(new Status(StatusCode.NotFound, $"Invalid path: {path}"));
                }

                if (request.Value.TypedValueCase != Expected(signal.Type))
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"Wrong value type for {path}: {request.Value.TypedValueCase}, expected {signal.Type}"));
                }

                if (_providers[path] == Provider.None)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, $"Provider for vss_id {path} does not exist"));
                }
            }

            Actuations.AddRange(requests);
        }

        foreach (var request in requests.Where(r => _providers[r.SignalId.Path] == Provider.Moves))
        {
            _ = Task.Delay(MoveTime).ContinueWith(_ => Publish(request.SignalId.Path, request.Value), TaskScheduler.Default);
        }
    }

    private static Value.TypedValueOneofCase Expected(DataType type) => type switch
    {
        DataType.Boolean => Value.TypedValueOneofCase.Bool,
        DataType.String => Value.TypedValueOneofCase.String,
        DataType.Float => Value.TypedValueOneofCase.Float,
        DataType.Double => Value.TypedValueOneofCase.Double,
        DataType.Int8 or DataType.Int16 or DataType.Int32 => Value.TypedValueOneofCase.Int32,
        DataType.Uint8 or DataType.Uint16 or DataType.Uint32 => Value.TypedValueOneofCase.Uint32,
        DataType.Int64 => Value.TypedValueOneofCase.Int64,
        _ => Value.TypedValueOneofCase.Uint64,
    };
}
