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

    /// <summary>The signal definitions file to load: <see cref="SignalsPath"/>, or the shipped one.</summary>
    public string ResolveSignalsPath() =>
        string.IsNullOrWhiteSpace(SignalsPath) ? Path.Combine(AppContext.BaseDirectory, "Vehicle", "signals.yaml") : SignalsPath;
}
