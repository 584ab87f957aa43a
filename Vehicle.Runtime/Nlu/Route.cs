namespace Vehicle.Runtime.Nlu;

/// <summary>Where an understood utterance is handled.</summary>
public enum Route
{
    /// <summary>Handled on board by an intent of the catalog.</summary>
    Onboard,

    /// <summary>Not an on-board command: a world question for the cloud model.</summary>
    Cloud,
}
