using Vehicle.Runtime.Nlu;

namespace Vehicle.Sim.Trace;

/// <summary>One line of a drive trace: something that happens <see cref="At"/> after the start.</summary>
/// <param name="At">Time from the start of the trace.</param>
/// <param name="Line">1-based line number in the trace file (for reports and errors).</param>
public abstract record TraceEvent(TimeSpan At, int Line);

/// <summary>A vehicle signal changes (<c>"type":"signal"</c>).</summary>
public sealed record SignalEvent(TimeSpan At, int Line, string Path, string Value) : TraceEvent(At, Line);

/// <summary>Someone speaks (<c>"type":"utterance"</c>), optionally with what should happen.</summary>
public sealed record UtteranceEvent(TimeSpan At, int Line, string Text, Seat Seat, string? ExpectIntent, string? ExpectOutcome, string? Conversation = null) : TraceEvent(At, Line);

/// <summary>Recorded audio for the voice front end (<c>"type":"audio"</c>).</summary>
public sealed record AudioEvent(TimeSpan At, int Line, string Path, Seat Seat) : TraceEvent(At, Line);

/// <summary>The car's link to the broker changes (<c>"type":"connectivity"</c>).</summary>
/// <param name="At">When.</param>
/// <param name="Line">Line number.</param>
/// <param name="Online">Whether the link is up.</param>
/// <param name="Blackhole">Offline as a tunnel does it: the connection stays open and bytes vanish (keep-alive must notice).</param>
/// <param name="LatencyMs">Added one-way delay while online (real-time clock only).</param>
/// <param name="Loss">Fraction of segments lost while online (0..1); TCP hides a loss as a retransmission delay, so each lost one costs <see cref="Vehicle.Bus.Loopback.LoopbackProxy.RetransmissionDelay"/> (real-time clock only).</param>
public sealed record ConnectivityEvent(TimeSpan At, int Line, bool Online, bool Blackhole, double LatencyMs, double Loss) : TraceEvent(At, Line);

/// <summary>What a fault event injects.</summary>
public enum FaultKind
{
    /// <summary>The broker restarts (the simulator owns it).</summary>
    BrokerRestart,

    /// <summary>The cloud takes <see cref="FaultEvent.LatencyMs"/> per answer for <see cref="FaultEvent.Duration"/>.</summary>
    CloudSlow,

    /// <summary>A fraction <see cref="FaultEvent.Rate"/> of cloud answers fail for <see cref="FaultEvent.Duration"/>.</summary>
    CloudFailing,

    /// <summary><see cref="FaultEvent.Cores"/> threads spin for <see cref="FaultEvent.Duration"/>.</summary>
    CpuHog,
}

/// <summary>A fault is injected (<c>"type":"fault"</c>).</summary>
public sealed record FaultEvent(TimeSpan At, int Line, FaultKind Kind, TimeSpan Duration, double LatencyMs, double Rate, int Cores) : TraceEvent(At, Line);

/// <summary>The wall-clock time of day at this point of the drive (<c>"type":"clock"</c>).</summary>
public sealed record ClockEvent(TimeSpan At, int Line, DateTimeOffset Time) : TraceEvent(At, Line);
