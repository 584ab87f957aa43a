using System.Diagnostics;

namespace Vehicle.Runtime.Telemetry;

/// <summary>
/// The runtime's telemetry names: one ActivitySource (spans) and the meters the car creates
/// through its <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, all named <see cref="Name"/>.
/// </summary>
public static class RuntimeTelemetry
{
    /// <summary>Name of the ActivitySource and of the car's meter.</summary>
    public const string Name = "Vehicle.Runtime";

    // An ActivitySource holds no per-car state: listeners decide what is recorded.
    internal static readonly ActivitySource Source = new(Name);
}
