namespace Vehicle.Runtime.Vehicle;

/// <summary>Data type of a vehicle signal (the VSS data types this runtime needs).</summary>
public enum SignalType
{
    /// <summary>VSS <c>boolean</c>.</summary>
    Boolean,

    /// <summary>VSS <c>float</c>/<c>double</c>.</summary>
    Real,

    /// <summary>VSS <c>int*</c>/<c>uint*</c> (written values are rounded).</summary>
    Whole,

    /// <summary>VSS <c>string</c>, optionally restricted to an enumeration.</summary>
    Text,
}
