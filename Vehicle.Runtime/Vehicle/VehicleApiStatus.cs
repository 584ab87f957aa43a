namespace Vehicle.Runtime.Vehicle;

/// <summary>Whether the car can reach the vehicle it actuates, for readiness checks.</summary>
/// <param name="Connected">True when actuations can be sent now.</param>
/// <param name="Description">What the vehicle API is and its state, in words.</param>
public readonly record struct VehicleApiStatus(bool Connected, string Description);
