using Vehicle.Runtime.Vehicle.Kuksa;

namespace Vehicle.Runtime.Vehicle;

/// <summary>The vehicle the copilot drives, bound from the <c>Vehicle</c> configuration section.</summary>
public sealed class VehicleOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Vehicle";

    /// <summary>
    /// The signal definitions (VSS paths, types, ranges). Default: null (the shipped
    /// <c>Vehicle/signals.yaml</c> beside the binary).
    /// </summary>
    public string? SignalsPath { get; set; }

    /// <summary>What the copilot actuates and reads the vehicle's state from. Default: <see cref="VehicleApi.Simulated"/>.</summary>
    public VehicleApi Api { get; set; } = VehicleApi.Simulated;

    /// <summary>The KUKSA.val databroker, for <see cref="VehicleApi.Kuksa"/> (<c>Vehicle:Kuksa</c>).</summary>
    public KuksaOptions Kuksa { get; set; } = new();

    /// <summary>The signal definitions file to load: <see cref="SignalsPath"/>, or the shipped one.</summary>
    public string ResolveSignalsPath() =>
        string.IsNullOrWhiteSpace(SignalsPath) ? Path.Combine(AppContext.BaseDirectory, "Vehicle", "signals.yaml") : SignalsPath;
}

/// <summary>The vehicle API behind the copilot.</summary>
public enum VehicleApi
{
    /// <summary>The simulated vehicle: the signal store is the vehicle.</summary>
    Simulated,

    /// <summary>An Eclipse KUKSA.val databroker (<c>kuksa.val.v2.VAL</c>): subscribed for state, actuated through it.</summary>
    Kuksa,
}
