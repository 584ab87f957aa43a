using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vehicle.Runtime.Telemetry;

/// <summary>The runtime's OpenTelemetry instruments: one ActivitySource and one Meter, both named <see cref="Name"/>.</summary>
public static class RuntimeTelemetry
{
    /// <summary>Name of the ActivitySource and the Meter.</summary>
    public const string Name = "Vehicle.Runtime";

    internal static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Understanding latency, text in to result out.</summary>
    internal static readonly Histogram<double> UnderstandDuration = Meter.CreateHistogram<double>(
        "vehicle.nlu.duration", unit: "ms", description: "Time to understand one utterance.");

    /// <summary>Utterances understood, tagged with route and intent.</summary>
    internal static readonly Counter<long> Utterances = Meter.CreateCounter<long>(
        "vehicle.nlu.utterances", description: "Utterances understood, by route and intent.");

    /// <summary>Admission to outcome per request, tagged with lane and outcome.</summary>
    internal static readonly Histogram<double> CommandDuration = Meter.CreateHistogram<double>(
        "vehicle.command.duration", unit: "ms", description: "Admission to outcome of one request.");

    /// <summary>Outcomes, tagged with lane and outcome.</summary>
    internal static readonly Counter<long> Outcomes = Meter.CreateCounter<long>(
        "vehicle.command.outcomes", description: "Requests by outcome and lane.");

    private static Func<Measurement<int>[]>? _queueDepth;

    private static readonly ObservableGauge<int> QueueDepth = Meter.CreateObservableGauge(
        "vehicle.command.queue_depth",
        () => _queueDepth?.Invoke() ?? [],
        description: "Requests admitted and not finished, per lane.");

    /// <summary>Inputs that could not be understood (empty, invalid UTF-8 ...), tagged with the reason.</summary>
    internal static readonly Counter<long> BadInputs = Meter.CreateCounter<long>(
        "vehicle.nlu.bad_inputs", description: "Inputs rejected before understanding, by reason.");

    /// <summary>Sets (or clears, with null) the source of the queue-depth gauge: one channel per process reports.</summary>
    internal static void RegisterQueueDepth(Func<KeyValuePair<string, int>[]>? depths)
    {
        _ = QueueDepth;
        _queueDepth = depths is null ? null : () => [.. depths().Select(d => new Measurement<int>(d.Value, new KeyValuePair<string, object?>("lane", d.Key)))];
    }
}
