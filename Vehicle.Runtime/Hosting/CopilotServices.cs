using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Hosting;

/// <summary>
/// What a host replaces in the car; everything left null is built from the options. A
/// replacement is the host's: the car uses it and does not dispose it.
/// </summary>
public sealed class CopilotServices
{
    /// <summary>The vehicle state. Default: a store of the signals in <c>Vehicle:SignalsPath</c> on <see cref="Time"/>.</summary>
    public SignalStore? Signals { get; init; }

    /// <summary>What applies actuations (the OEM's vehicle API). Default: the simulated vehicle over <see cref="Signals"/>.</summary>
    public IVehicleActuator? Actuator { get; init; }

    /// <summary>The driver's profile. Default: the SQLite store at <c>Profile:Path</c>, opened and closed by the car.</summary>
    public IPersonalProfile? Profile { get; init; }

    /// <summary>
    /// Starts the broker and responder of <see cref="CloudMode.Embedded"/>; the car disposes what it
    /// returns, after its own bus client. The command-line hosts pass Vehicle.Bus.Cloud's.
    /// </summary>
    public Func<CancellationToken, Task<EmbeddedCloudLink>>? EmbeddedCloud { get; init; }

    /// <summary>Where world questions go instead of the MQTT bus (a test double, another transport).</summary>
    public ICloudGateway? CloudGateway { get; init; }

    /// <summary>The clock of deadlines, timers, time-to-live and backoff. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Logging. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Where the car's meter comes from. Default: a factory of the car's own, disposed with it.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>The bus's reconnect jitter (seeded by the simulator for repeatable runs). Default: shared random.</summary>
    public Random? Jitter { get; init; }

    /// <summary>
    /// The two understanders (inference sessions) of the lanes, for tests that share one prepared
    /// model across many cars; the car does not dispose them. Default: created from <c>Nlu</c>.
    /// </summary>
    internal Func<(IUtteranceUnderstander Critical, IUtteranceUnderstander Intake)>? Understanders { get; init; }
}
