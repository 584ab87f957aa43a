namespace Vehicle.Runtime.Nlu;

/// <summary>Where the speaker sits; slots such as window and zone default to it.</summary>
public enum Seat
{
    /// <summary>Front left in a left-hand-drive car.</summary>
    Driver,

    /// <summary>Front passenger.</summary>
    Passenger,

    /// <summary>Second row, behind the driver.</summary>
    RearLeft,

    /// <summary>Second row, behind the passenger.</summary>
    RearRight,
}

/// <summary>Contract names of <see cref="Seat"/>.</summary>
public static class SeatNames
{
    /// <summary>The snake_case name used in the catalog and on the wire.</summary>
    public static string ToContractName(this Seat seat) => seat switch
    {
        Seat.Driver => "driver",
        Seat.Passenger => "passenger",
        Seat.RearLeft => "rear_left",
        Seat.RearRight => "rear_right",
        _ => throw new ArgumentOutOfRangeException(nameof(seat), seat, null),
    };

    /// <summary>Parses a snake_case seat name ("rear_left").</summary>
    public static bool TryParse(string? name, out Seat seat)
    {
        foreach (var candidate in Enum.GetValues<Seat>())
        {
            if (string.Equals(candidate.ToContractName(), name, StringComparison.OrdinalIgnoreCase))
            {
                seat = candidate;
                return true;
            }
        }

        seat = Seat.Driver;
        return false;
    }
}
