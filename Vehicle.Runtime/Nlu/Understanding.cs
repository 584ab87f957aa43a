namespace Vehicle.Runtime.Nlu;

/// <summary>What an utterance means: intent, slots, calibrated confidence and route.</summary>
/// <param name="Text">The utterance as given.</param>
/// <param name="Intent">Catalog intent name; <c>cloud.query</c> when routed to the cloud; null when the input could not be understood at all (see <paramref name="Reason"/>).</param>
/// <param name="Slots">Slot values in catalog order, defaults included.</param>
/// <param name="Confidence">Calibrated probability that <paramref name="Intent"/> is right (for an out-of-domain fallback: that no on-board intent applies).</param>
/// <param name="Route">On board or cloud.</param>
/// <param name="Latency">Measured understanding time.</param>
/// <param name="MissingSlots">Required slots the utterance did not fill.</param>
/// <param name="Reason">Why the result is not a plain model decision, or null: <c>empty_input</c>, <c>invalid_utf8</c> (nothing understood), <c>low_confidence</c>, <c>unsupported_script</c> (routed to the cloud).</param>
/// <param name="Truncated">True when only the first part of an over-long utterance was considered.</param>
public sealed record Understanding(
    string Text,
    string? Intent,
    IReadOnlyList<KeyValuePair<string, SlotValue>> Slots,
    double Confidence,
    Route Route,
    TimeSpan Latency,
    IReadOnlyList<string> MissingSlots,
    string? Reason = null,
    bool Truncated = false)
{
    /// <summary>
    /// A world question for the cloud, decided outside the on-board model (a front end that heard
    /// out-of-grammar speech): intent <c>cloud.query</c>, no slots.
    /// </summary>
    public static Understanding ForCloud(string text, string reason, TimeSpan latency) =>
        new(text, Catalog.IntentCatalog.CloudIntent, [], 1, Route.Cloud, latency, [], reason);
}
