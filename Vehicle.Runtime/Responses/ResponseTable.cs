namespace Vehicle.Runtime.Responses;

/// <summary>
/// Every fixed sentence the copilot says, in one place, bound from the <c>Responses</c>
/// configuration section (English defaults below): a locale replaces the table, the catalog's
/// per-intent templates and nothing else. Entries use the catalog's template syntax
/// (<c>{name}</c>); <see cref="Format"/> fills them.
/// </summary>
public sealed class ResponseTable
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Responses";

    /// <summary>A request whose deadline passed (never actuated late).</summary>
    public string DeadlineMissed { get; set; } = "Sorry, that took too long.";

    /// <summary>The caller cancelled the request.</summary>
    public string Cancelled { get; set; } = "Cancelled.";

    /// <summary>Nothing to understand (empty, invalid text).</summary>
    public string NotUnderstood { get; set; } = "Sorry, I didn't catch that.";

    /// <summary>A lane or the admission queue is full.</summary>
    public string Busy { get; set; } = "I'm busy right now, please try again.";

    /// <summary>The car is stopping.</summary>
    public string ShuttingDown { get; set; } = "I'm shutting down.";

    /// <summary>The actuator failed.</summary>
    public string ActuatorFailed { get; set; } = "Sorry, that didn't work.";

    /// <summary>An internal failure (a catalog that names an unknown signal).</summary>
    public string InternalError { get; set; } = "Sorry, something went wrong.";

    /// <summary>A command the cloud suggested that is not an on-board command.</summary>
    public string CloudSuggestionRefused { get; set; } = "I can't do that.";

    /// <summary>A required slot was not said. <c>{slot}</c>: its name.</summary>
    public string MissingSlot { get; set; } = "I need the {slot} for that.";

    /// <summary>A relative change without a value.</summary>
    public string MissingValue { get; set; } = "How much? Please say a value.";

    /// <summary>A critical command below the confirmation confidence whose response cannot be previewed. <c>{intent}</c>: the intent in words.</summary>
    public string ConfirmIntent { get; set; } = "Did you mean {intent}? Yes or no?";

    /// <summary>A critical command below the confirmation confidence. <c>{preview}</c>: its response, as it would be said.</summary>
    public string ConfirmPreview { get; set; } = "Should I do this: {preview} Yes or no?";

    /// <summary>Several contacts match. <c>{names}</c>: them.</summary>
    public string AmbiguousContact { get; set; } = "Which one: {names}?";

    /// <summary>No contact matches. <c>{name}</c>: what was said.</summary>
    public string UnknownContact { get; set; } = "I couldn't find {name} in your contacts.";

    /// <summary>No such saved place. <c>{place}</c>: what was said.</summary>
    public string UnknownPlace { get; set; } = "You haven't saved a {place} address yet.";

    /// <summary>No such preference, and no history to learn it from. <c>{preference}</c>: its name.</summary>
    public string UnknownPreference { get; set; } = "I don't know your usual {preference} yet.";

    /// <summary>The question is stored while offline.</summary>
    public string CloudQueuedOffline { get; set; } = "I'm offline right now; I'll ask as soon as I'm connected.";

    /// <summary>The bus refused the question (outbox full, egress guard).</summary>
    public string CloudRefused { get; set; } = "Sorry, I can't ask right now.";

    /// <summary>The cloud answered with an error.</summary>
    public string CloudFailed { get; set; } = "Sorry, I couldn't get an answer to that.";

    /// <summary>No answer before the question's deadline.</summary>
    public string CloudExpired { get; set; } = "I couldn't get an answer in time; please ask again.";

    /// <summary>The egress guard kept the question in the car.</summary>
    public string CloudBlocked { get; set; } = "I can't send that without sharing personal details.";

    /// <summary>The outbox dropped the question for newer ones.</summary>
    public string CloudEvicted { get; set; } = "Too many questions were waiting; please ask again.";

    /// <summary>Offers the usual destination. <c>{destination}</c>: it, as the driver says it.</summary>
    public string OfferNavigate { get; set; } = "Navigate to {destination}?";

    /// <summary>Offers the usual call. <c>{contact}</c>: who.</summary>
    public string OfferCall { get; set; } = "Call {contact}?";

    /// <summary>Offers the usual temperature at the start of a drive. <c>{degrees}</c>: it.</summary>
    public string OfferTemperature { get; set; } = "Set the temperature to {degrees} degrees, as usual?";

    /// <summary>A yes or no when nothing waits for one.</summary>
    public string NothingPending { get; set; } = "There's nothing to confirm.";

    /// <summary>"Undo that" with nothing done before in the conversation.</summary>
    public string NothingToUndo { get; set; } = "There's nothing to undo.";

    /// <summary>"Again" with nothing done before in the conversation.</summary>
    public string NothingToRepeat { get; set; } = "There's nothing to repeat.";

    /// <summary>The driver declined an offer.</summary>
    public string OfferDeclined { get; set; } = "OK.";

    /// <summary>An offer tied to a time of day. <c>{time}</c>: now (H:mm); <c>{offer}</c>: the offer.</summary>
    public string OfferAtTime { get; set; } = "It's {time}. {offer}";

    /// <summary>Fills <c>{name}</c> in <paramref name="entry"/> with <paramref name="value"/>.</summary>
    public static string Format(string entry, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Replace("{" + name + "}", value, StringComparison.Ordinal);
    }
}
