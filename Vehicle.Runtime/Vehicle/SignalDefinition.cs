namespace Vehicle.Runtime.Vehicle;

/// <summary>A vehicle signal: VSS path, type, range, unit and initial value.</summary>
/// <param name="Path">COVESA VSS path, e.g. <c>Vehicle.Cabin.Door.Row1.DriverSide.Window.Position</c>.</param>
/// <param name="Type">Data type.</param>
/// <param name="Min">Lowest value an actuator accepts (numeric signals).</param>
/// <param name="Max">Highest value an actuator accepts (numeric signals).</param>
/// <param name="Unit">Unit, e.g. <c>celsius</c>, <c>percent</c>, <c>km/h</c>.</param>
/// <param name="Allowed">The values of a string enumeration, or empty for any string.</param>
/// <param name="Initial">Value of a freshly started simulated vehicle.</param>
public sealed record SignalDefinition(string Path, SignalType Type, double? Min, double? Max, string? Unit, IReadOnlyList<string> Allowed, SignalValue Initial)
{
    /// <summary>Clamps a number into the signal's range.</summary>
    public double Clamp(double value) => Math.Clamp(value, Min ?? double.MinValue, Max ?? double.MaxValue);

    /// <summary>Checks a value against type, range and enumeration; returns the normalised value or an error.</summary>
    public (SignalValue Value, string? Error) Validate(SignalValue value)
    {
        switch (Type)
        {
            case SignalType.Boolean when value.Boolean is not null:
                return (value, null);
            case SignalType.Real or SignalType.Whole when value.Number is { } n:
                var number = Type == SignalType.Whole ? Math.Round(n, MidpointRounding.AwayFromZero) : n;
                return number < (Min ?? double.MinValue) || number > (Max ?? double.MaxValue)
                    ? (value, $"{Path} = {n} is outside {Min}..{Max}")
                    : (SignalValue.Of(number), null);
            case SignalType.Text when value.Text is { } text:
                return Allowed.Count > 0 && !Allowed.Contains(text, StringComparer.Ordinal)
                    ? (value, $"{Path} = '{text}' is not one of {string.Join(", ", Allowed)}")
                    : (value, null);
            default:
                return (value, $"{Path} is {Type.ToString().ToLowerInvariant()}, not '{value}'");
        }
    }
}
