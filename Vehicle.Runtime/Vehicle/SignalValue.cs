using System.Globalization;

namespace Vehicle.Runtime.Vehicle;

/// <summary>A typed vehicle signal value: a boolean, a number or a string.</summary>
public readonly record struct SignalValue
{
    private SignalValue(bool? boolean, double? number, string? text)
    {
        Boolean = boolean;
        Number = number;
        Text = text;
    }

    /// <summary>The value when boolean.</summary>
    public bool? Boolean { get; }

    /// <summary>The value when numeric.</summary>
    public double? Number { get; }

    /// <summary>The value when a string.</summary>
    public string? Text { get; }

    /// <summary>A boolean value.</summary>
    public static SignalValue Of(bool value) => new(value, null, null);

    /// <summary>A numeric value.</summary>
    public static SignalValue Of(double value) => new(null, value, null);

    /// <summary>A string value.</summary>
    public static SignalValue Of(string value) => new(null, null, value);

    /// <summary>The value as JSON would write it: true, 21.5, "PLAY".</summary>
    public override string ToString() =>
        Boolean is { } b ? (b ? "true" : "false")
        : Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture)
        : Text ?? string.Empty;

    /// <summary>Parses text as a value of <paramref name="type"/> ("on"/"off" are booleans too).</summary>
    public static bool TryParse(string text, SignalType type, out SignalValue value)
    {
        switch (type)
        {
            case SignalType.Boolean:
                var b = text.Trim().ToLowerInvariant() switch
                {
                    "true" or "on" or "1" or "yes" => true,
                    "false" or "off" or "0" or "no" => (bool?)false,
                    _ => null,
                };
                value = b is { } v ? Of(v) : default;
                return b is not null;
            case SignalType.Real or SignalType.Whole:
                var ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number);
                value = ok ? Of(number) : default;
                return ok;
            default:
                value = Of(text);
                return true;
        }
    }
}
