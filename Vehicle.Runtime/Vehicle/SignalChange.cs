namespace Vehicle.Runtime.Vehicle;

/// <summary>A signal took a new value.</summary>
/// <param name="Path">The signal.</param>
/// <param name="Previous">Its value before.</param>
/// <param name="Value">Its value now.</param>
/// <param name="Source">Who wrote it: <c>actuator</c>, <c>simulator</c>, <c>bus</c>, <c>user</c>...</param>
/// <param name="Timestamp">When, from the store's <see cref="TimeProvider"/>.</param>
public sealed record SignalChange(string Path, SignalValue Previous, SignalValue Value, string Source, DateTimeOffset Timestamp);
