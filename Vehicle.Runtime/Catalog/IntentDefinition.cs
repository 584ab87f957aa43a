namespace Vehicle.Runtime.Catalog;

/// <summary>One intent of the catalog.</summary>
internal sealed class IntentDefinition
{
    public required string Name { get; init; }

    public required Lane Lane { get; init; }

    public required IReadOnlyList<string> Examples { get; init; }

    public required IReadOnlyList<SlotDefinition> Slots { get; init; }

    public required IReadOnlyList<ActuationTemplate> Actuations { get; init; }

    public required IReadOnlyList<Precondition> Preconditions { get; init; }

    public required string Response { get; init; }

    /// <summary>Values read from vehicle signals for the response (information intents).</summary>
    public IReadOnlyList<AnswerTemplate> Answers { get; init; } = [];

    /// <summary>Response when an answer's signal holds no value (e.g. no active route).</summary>
    public string? Fallback { get; init; }

    /// <summary>The copilot asks before it acts, every time (<c>confirm: always</c>).</summary>
    public bool ConfirmAlways { get; init; }

    /// <summary>The intent a follow-up that says a direction becomes (<c>relative:</c>; "a bit more" after setting a temperature).</summary>
    public string? Relative { get; init; }

    /// <summary>The copilot asks before it acts when any of these holds (<c>confirm_when:</c>).</summary>
    public IReadOnlyList<Precondition> ConfirmWhen { get; init; } = [];
}

/// <summary>
/// A VSS signal to write. <c>{slot}</c> in the signal is replaced by the slot value's path
/// segment(s); in the value by the slot's value, or by the fallback of <c>{slot|fallback}</c>.
/// A relative value starts with <c>{direction}</c> and is added to the signal's current value.
/// </summary>
/// <param name="Signal">VSS path template.</param>
/// <param name="Value">Value template.</param>
/// <param name="Scale">Multiplier applied to a numeric value (fan level 0-10 to percent).</param>
/// <param name="Relative">The value is a change of the current value (clamped to the signal's range).</param>
/// <param name="When">Slot values that must all hold for this actuation to apply.</param>
/// <param name="UnitSlot">Slot carrying the value's unit (fahrenheit values convert to a celsius signal).</param>
internal sealed record ActuationTemplate(string Signal, string Value, double Scale, bool Relative, IReadOnlyDictionary<string, string> When, string? UnitSlot);

/// <summary>
/// A condition that must hold before the intent may actuate: on a vehicle signal or on a slot,
/// against a number or a named, configurable limit.
/// </summary>
internal sealed record Precondition(string? Signal, string? Slot, ComparisonOperator Operator, double? Value, string? Limit, string Reason);

/// <summary>A value read from a signal for a response: <c>{name}</c> = signal × scale, rounded.</summary>
internal sealed record AnswerTemplate(string Name, string Signal, double Scale, int Decimals);

/// <summary>Comparison used by a <see cref="Precondition"/>.</summary>
internal enum ComparisonOperator
{
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}
