using Vehicle.Runtime.Hosting;
using Vehicle.Voice;

namespace Vehicle.Sim.Replay;

/// <summary>Which clock drives a replay.</summary>
public enum ClockMode
{
    /// <summary>
    /// Fast and honest (the default): the real monotonic clock while anything is in flight, a jump
    /// to the next due event or timer when everything is idle. Every latency is work really done
    /// on this machine; the idle time of the drive is skipped.
    /// </summary>
    Compressed,

    /// <summary>As fast as possible, deterministic: everything reads a simulated clock that the replay moves; work costs no time (latencies are 0), so same trace and seed give a byte-identical report.</summary>
    Virtual,

    /// <summary>Wall-clock pacing (divided by <see cref="ReplayOptions.Speed"/>): honest latency numbers.</summary>
    Realtime,
}

/// <summary>How to replay a trace.</summary>
public sealed class ReplayOptions
{
    /// <summary>The clock. Default: <see cref="ClockMode.Compressed"/>.</summary>
    public ClockMode Clock { get; set; } = ClockMode.Compressed;

    /// <summary>Real-time speed factor (2 = twice as fast as recorded).</summary>
    public double Speed { get; set; } = 1;

    /// <summary>Seed of everything random (cloud think times and failures, reconnect jitter).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>A real broker (<c>mqtt://host:port</c>); null: the embedded one, which the replay owns (and can restart).</summary>
    public string? Broker { get; set; }

    /// <summary>Median think time of the built-in cloud responder.</summary>
    public double CloudLatencyMs { get; set; } = 300;

    /// <summary>Spread (log-normal sigma) of the cloud's think time.</summary>
    public double CloudLatencySigma { get; set; } = 0.3;

    /// <summary>How long after the last event the replay waits for cloud answers still pending.</summary>
    public TimeSpan Drain { get; set; } = TimeSpan.FromMinutes(6);

    /// <summary>
    /// The car's settings, as the user configured them (the simulator's own command reads them like
    /// <c>ask</c> does). The replay sets the cloud link (through its proxy), the outbox and, when
    /// <c>Profile:Path</c> is not set, a scratch profile: a replay never writes into the driver's.
    /// </summary>
    public CopilotOptions Copilot { get; set; } = new();

    /// <summary>The voice front end's settings, for <c>audio</c> events.</summary>
    public VoiceOptions Voice { get; set; } = new();

    /// <summary>Where the trace's audio files are (relative paths in <c>audio</c> events): the trace's folder.</summary>
    public string AudioDirectory { get; set; } = ".";
}
