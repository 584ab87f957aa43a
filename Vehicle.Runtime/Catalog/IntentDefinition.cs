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
}

/// <summary>A VSS signal to write; <c>{slot}</c> in the signal or value is filled from the slots.</summary>
internal sealed record ActuationTemplate(string Signal, string Value, double Scale, bool Relative);

/// <summary>A condition on a vehicle signal that must hold before the intent may actuate.</summary>
internal sealed record Precondition(string Signal, ComparisonOperator Operator, double Value, string Reason);

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
