namespace Vehicle.Runtime.Catalog;

/// <summary>How a slot's value is found in an utterance.</summary>
public enum SlotKind
{
    /// <summary>One of a closed set of values, each with the phrases that mean it.</summary>
    Enum,

    /// <summary>A number, spoken ("twenty one") or written ("21.5"), or a phrase with a value ("halfway").</summary>
    Number,

    /// <summary>A span of the utterance found by carrier patterns ("call {}").</summary>
    Text,

    /// <summary>A digit string such as a phone number, spoken or written.</summary>
    Digits,
}
