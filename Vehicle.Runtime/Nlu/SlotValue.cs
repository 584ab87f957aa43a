using System.Globalization;

namespace Vehicle.Runtime.Nlu;

/// <summary>A slot value normalised to the contract: a number, or a lower-case enum value or text span.</summary>
public readonly record struct SlotValue
{
    private SlotValue(string? text, double? number)
    {
        Text = text;
        Number = number;
    }

    /// <summary>The text or enum value; null for numbers.</summary>
    public string? Text { get; }

    /// <summary>The number; null for text.</summary>
    public double? Number { get; }

    /// <summary>A text or enum value.</summary>
    public static SlotValue Of(string text) => new(text, null);

    /// <summary>A numeric value.</summary>
    public static SlotValue Of(double number) => new(null, number);

    /// <inheritdoc/>
    public override string ToString() => Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : Text ?? string.Empty;
}
