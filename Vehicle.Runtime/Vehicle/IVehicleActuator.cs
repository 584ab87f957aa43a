namespace Vehicle.Runtime.Vehicle;

/// <summary>
/// Applies actuation requests to the vehicle. The default is <see cref="SimulatedVehicle"/> over
/// the signal store; an OEM plugs in its own (for example a KUKSA databroker client).
/// <para>
/// Called on the lane's own thread. Return a completed <see cref="ValueTask"/> when the write is
/// synchronous; an asynchronous write must honour the cancellation token, which is
/// cancelled at the request's deadline. Throw to report a failure (the request's outcome becomes
/// <c>failed</c> with the message).
/// </para>
/// </summary>
public interface IVehicleActuator
{
    /// <summary>Applies the actuations, all or (on failure) as many as the vehicle managed.</summary>
    ValueTask ApplyAsync(IReadOnlyList<Actuation> actuations, CancellationToken cancellationToken);
}
