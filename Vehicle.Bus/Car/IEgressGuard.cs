namespace Vehicle.Bus.Car;

/// <summary>
/// The last check before a query leaves the car: defence in depth behind the runtime's redaction.
/// The bus asks it about every payload, when the query is handed over and again right before each
/// publish, and never publishes a payload it objects to.
/// </summary>
public interface IEgressGuard
{
    /// <summary>
    /// Null when <paramref name="payload"/> (the exact bytes that would be published) may leave the
    /// car; otherwise why not, without the offending value (for example <c>PERSON</c>).
    /// </summary>
    string? Inspect(ReadOnlySpan<byte> payload);
}
