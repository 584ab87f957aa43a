using Vehicle.Bus.Car;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

/// <summary>
/// Builds cars through the composition root (<see cref="CopilotHost"/>), as every host does, over
/// the shared real understanders (the shipped model and catalog), with an empty profile, no cloud
/// unless a gateway is given, and a fresh simulated vehicle unless a store is given.
/// </summary>
internal static class ChannelTestKit
{
    public static SignalStore NewStore(TimeProvider? time = null) =>
        new(SignalStore.LoadDefinitions(new VehicleOptions().ResolveSignalsPath()), time);

    public static CopilotHost Create(
        UnderstanderFixture fixture,
        SignalStore store,
        IVehicleActuator? actuator = null,
        CommandChannelOptions? options = null,
        TimeProvider? time = null,
        ICloudGateway? cloud = null,
        Action? afterUnderstanding = null,
        IPersonalProfile? profile = null) =>
        CopilotHost.StartAsync(
            new CopilotOptions { Channel = options ?? new CommandChannelOptions(), Cloud = { Mode = CloudMode.Off } },
            new CopilotServices
            {
                Signals = store,
                Actuator = actuator,
                CloudGateway = cloud,
                Time = time,
                Profile = profile ?? new FixedProfile(new ProfileData()),
                Understanders = Shared(fixture, afterUnderstanding),
            }).GetAwaiter().GetResult();

    /// <summary>A car from <paramref name="options"/> (its vehicle API, say) over the shared understanders, with no cloud.</summary>
    public static Task<CopilotHost> StartAsync(UnderstanderFixture fixture, CopilotOptions options, SignalStore? store = null) =>
        CopilotHost.StartAsync(options, new CopilotServices
        {
            Signals = store ?? NewStore(),
            Profile = new FixedProfile(new ProfileData()),
            Understanders = Shared(fixture, null),
        });

    /// <summary>A car whose cloud link is the real bus client, to <paramref name="broker"/>, reconnecting fast.</summary>
    public static Task<CopilotHost> StartWithBusAsync(UnderstanderFixture fixture, Uri broker, string outbox, SignalStore? store = null, IPersonalProfile? profile = null, string? replyKey = null)
    {
        var options = new CopilotOptions { Cloud = { Mode = CloudMode.Remote } };
        options.Bus.Connection = new BrokerOptions { Broker = broker.ToString(), ReconnectMin = TimeSpan.FromMilliseconds(50), ReconnectMax = TimeSpan.FromMilliseconds(200) };
        options.Bus.VehicleId = "test-car";
        options.Bus.OutboxPath = outbox;
        options.Bus.ReplyKey = replyKey;
        return CopilotHost.StartAsync(options, new CopilotServices
        {
            Signals = store ?? NewStore(),
            Profile = profile ?? new FixedProfile(new ProfileData()),
            Understanders = Shared(fixture, null),
        });
    }

    /// <summary>Waits until the car's bus client is connected.</summary>
    public static async Task WaitConnectedAsync(VehicleBusClient bus)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.ConnectionChanged += up =>
        {
            if (up)
            {
                connected.TrySetResult();
            }
        };
        if (!bus.IsConnected)
        {
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static Func<(IUtteranceUnderstander, IUtteranceUnderstander)> Shared(UnderstanderFixture fixture, Action? afterUnderstanding) =>
        () => (new SharedUnderstander(fixture.Understander, afterUnderstanding), new SharedUnderstander(fixture.Second, afterUnderstanding));

    /// <summary>The shared real understander, not disposed with the car; optionally lets a test move time after understanding.</summary>
    private sealed class SharedUnderstander(IUtteranceUnderstander inner, Action? afterUnderstanding) : IUtteranceUnderstander
    {
        public Understanding Understand(string? text, Seat speaker = Seat.Driver)
        {
            var result = inner.Understand(text, speaker);
            afterUnderstanding?.Invoke();
            return result;
        }

        public Catalog.Lane GuessLane(string? text) => inner.GuessLane(text);

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// An OEM-style actuator for tests: records what it applies to the simulated vehicle and can hold
/// the lane (one call waits at a gate) so tests control what is queued behind it.
/// </summary>
internal sealed class GatedActuator(SignalStore store) : IVehicleActuator, IDisposable
{
    private readonly SimulatedVehicle _vehicle = new(store);
    private readonly SemaphoreSlim _gate = new(0);
    private readonly SemaphoreSlim _entered = new(0);
    private int _calls;

    /// <summary>Which call waits at the gate (1 = the first); 0 for none.</summary>
    public int HoldCall { get; init; } = 1;

    public List<string> Applied { get; } = [];

    public Exception? Failure { get; set; }

    /// <summary>Waits until the held call is inside the actuator (the lane is busy).</summary>
    public void WaitUntilHeld() => Assert.True(_entered.Wait(TimeSpan.FromSeconds(30)), "the actuator was never called");

    public void Release() => _gate.Release();

    public ValueTask ApplyAsync(IReadOnlyList<Actuation> actuations, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) == HoldCall)
        {
            _entered.Release();
            _gate.Wait(cancellationToken);
        }

        if (Failure is not null)
        {
            return ValueTask.FromException(Failure);
        }

        lock (Applied)
        {
            Applied.AddRange(actuations.Select(a => $"{a.Path}={a.Value}"));
        }

        return _vehicle.ApplyAsync(actuations, cancellationToken);
    }

    public void Dispose()
    {
        _gate.Dispose();
        _entered.Dispose();
    }
}

/// <summary>A cloud gateway that records what it was handed and answers as told.</summary>
internal sealed class RecordingGateway(CloudHandoff answer) : ICloudGateway
{
    public List<CloudQuery> Queries { get; } = [];

    public CloudHandoffResult Enqueue(CloudQuery query)
    {
        Queries.Add(query);
        return answer;
    }
}
