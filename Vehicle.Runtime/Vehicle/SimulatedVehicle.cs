namespace Vehicle.Runtime.Vehicle;

/// <summary>The default actuator: a simulated vehicle whose state is the signal store.</summary>
public sealed class SimulatedVehicle(SignalStore store) : IVehicleActuator
{
    /// <inheritdoc/>
    public ValueTask ApplyAsync(IReadOnlyList<Actuation> actuations, CancellationToken cancellationToken)
    {
        foreach (var actuation in actuations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (store.Set(actuation.Path, actuation.Value, "actuator") is { } error)
            {
                return ValueTask.FromException(new InvalidOperationException(error));
            }
        }

        return ValueTask.CompletedTask;
    }
}
