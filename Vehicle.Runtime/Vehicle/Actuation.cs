namespace Vehicle.Runtime.Vehicle;

/// <summary>A request to set one vehicle signal: VSS path and typed value.</summary>
/// <param name="Path">The signal, e.g. <c>Vehicle.Cabin.Door.Row1.DriverSide.Window.Position</c>.</param>
/// <param name="Value">The value to set.</param>
public sealed record Actuation(string Path, SignalValue Value);
