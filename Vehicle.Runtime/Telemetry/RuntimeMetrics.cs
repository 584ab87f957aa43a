using System.Diagnostics.Metrics;

namespace Vehicle.Runtime.Telemetry;

/// <summary>
/// The instruments of one car, on a meter from the car's <see cref="IMeterFactory"/> (scoped to
/// the car, so two cars in one process never report into each other).
/// </summary>
internal sealed class RuntimeMetrics
{
    /// <summary>The instruments of understanders used on their own, outside a car (evaluation, benchmarks).</summary>
    public static readonly RuntimeMetrics Standalone = new(new Meter(RuntimeTelemetry.Name));

    private readonly Meter _meter;

    public RuntimeMetrics(IMeterFactory factory, object scope)
        : this(factory.Create(new MeterOptions(RuntimeTelemetry.Name) { Scope = scope }))
    {
    }

    private RuntimeMetrics(Meter meter)
    {
        _meter = meter;
        UnderstandDuration = meter.CreateHistogram<double>("vehicle.nlu.duration", unit: "ms", description: "Time to understand one utterance.");
        Utterances = meter.CreateCounter<long>("vehicle.nlu.utterances", description: "Utterances understood, by route and intent.");
        CommandDuration = meter.CreateHistogram<double>("vehicle.command.duration", unit: "ms", description: "Admission to outcome of one request.");
        Outcomes = meter.CreateCounter<long>("vehicle.command.outcomes", description: "Requests by outcome and lane.");
        BadInputs = meter.CreateCounter<long>("vehicle.nlu.bad_inputs", description: "Inputs rejected before understanding, by reason.");
    }

    /// <summary>Understanding latency, text in to result out, tagged with the route.</summary>
    public Histogram<double> UnderstandDuration { get; }

    /// <summary>Utterances understood, tagged with the intent.</summary>
    public Counter<long> Utterances { get; }

    /// <summary>Admission to outcome per request, tagged with lane and outcome.</summary>
    public Counter<long> Outcomes { get; }

    /// <summary>Admission to outcome per request, tagged with lane and outcome.</summary>
    public Histogram<double> CommandDuration { get; }

    /// <summary>Inputs that could not be understood (empty, invalid UTF-8 ...), tagged with the reason.</summary>
    public Counter<long> BadInputs { get; }

    /// <summary>The queue-depth gauge of the car's channel (one channel per car).</summary>
    public void ObserveQueueDepth(Func<IEnumerable<Measurement<int>>> depths) =>
        _meter.CreateObservableGauge("vehicle.command.queue_depth", depths, description: "Requests admitted and not finished, per lane.");
}
