namespace Vehicle.Runtime.Catalog;

/// <summary>The scheduling lane an intent runs on.</summary>
public enum Lane
{
    /// <summary>Vehicle control under the tightest budget.</summary>
    Critical,

    /// <summary>On-board information and personalisation.</summary>
    Interactive,

    /// <summary>World knowledge, answered by the cloud model over the bus.</summary>
    Cloud,
}
