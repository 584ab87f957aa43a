using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

/// <summary>Builds channels over the real understander, the shipped catalog and a fresh simulated vehicle.</summary>
internal static class ChannelTestKit
{
    public static SignalStore NewStore(TimeProvider? time = null) =>
        new(SignalStore.LoadDefinitions(Path.Combine(AppContext.BaseDirectory, "Vehicle", "signals.yaml")), time);

    public static CommandChannel Create(
        UnderstanderFixture fixture,
        SignalStore store,
        IVehicleActuator? actuator = null,
        CommandChannelOptions? options = null,
        TimeProvider? time = null,
        ICloudGateway? cloud = null,
        Action? afterUnderstanding = null,
        IPersonalProfile? profile = null) =>
        CommandChannel.Create(
            new SharedUnderstander(fixture.Understander, afterUnderstanding),
            new SharedUnderstander(fixture.Second, afterUnderstanding),
            new NluOptions().ResolveCatalogPath(),
            store,
            actuator,
            options,
            cloud,
            time,
            profile: profile);

    /// <summary>The shared real understander, not disposed with the channel; optionally lets a test move time after understanding.</summary>
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
