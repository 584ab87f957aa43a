using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using MQTTnet;
using MQTTnet.Packets;

namespace Vehicle.Bus;

/// <summary>
/// The bus's OpenTelemetry sources: spans <c>bus.publish</c>, <c>bus.reply</c> (car) and
/// <c>responder.answer</c> (cloud), linked into one trace through the W3C trace context carried in
/// MQTT user properties; counters of queries and dropped messages, on a meter per client.
/// </summary>
public static class BusTelemetry
{
    /// <summary>Name of the ActivitySource and Meter.</summary>
    public const string Name = "Vehicle.Bus";

    /// <summary>User property carrying the W3C traceparent.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>User property carrying the W3C tracestate.</summary>
    public const string TraceState = "tracestate";

    // An ActivitySource holds no per-client state: listeners decide what is recorded.

    /// <summary>The spans of the car's client and of the responder.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// A meter of the bus's name for one client or responder: from <paramref name="factory"/> with
    /// <paramref name="scope"/> (so two clients in one process never report into each other), or,
    /// without a factory, a meter of its own that the caller disposes.
    /// </summary>
    public static Meter CreateMeter(IMeterFactory? factory, object scope) =>
        factory?.Create(new MeterOptions(Name) { Scope = scope }) ?? new Meter(Name);

    /// <summary>The counter of incoming messages dropped (malformed, oversized, expired), by reason, on <paramref name="meter"/>.</summary>
    public static Counter<long> CreateDroppedCounter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return meter.CreateCounter<long>("bus.messages.dropped", description: "Incoming messages dropped, by reason.");
    }

    /// <summary>Parses a W3C trace context, or default when absent or malformed.</summary>
    internal static ActivityContext ParseContext(string? traceParent, string? traceState) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState, out var context) ? context : default;

    /// <summary>The W3C trace context in a message's user properties, or default.</summary>
    public static ActivityContext ParseContext(IReadOnlyCollection<MqttUserProperty>? properties) =>
        ParseContext(Find(properties, TraceParent), Find(properties, TraceState));

    /// <summary>Adds a W3C trace context to a message as user properties.</summary>
    public static MqttApplicationMessageBuilder WithTraceContext(this MqttApplicationMessageBuilder message, string? traceParent, string? traceState)
    {
        if (traceParent is not null)
        {
            message.WithUserProperty(TraceParent, Encoding.UTF8.GetBytes(traceParent));
            if (!string.IsNullOrEmpty(traceState))
            {
                message.WithUserProperty(TraceState, Encoding.UTF8.GetBytes(traceState));
            }
        }

        return message;
    }

    private static string? Find(IReadOnlyCollection<MqttUserProperty>? properties, string name) =>
        properties?.FirstOrDefault(p => p.Name == name)?.ReadValueAsString();
}
