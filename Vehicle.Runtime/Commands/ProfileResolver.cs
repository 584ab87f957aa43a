using System.Globalization;
using System.Text.RegularExpressions;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// Resolves what only the driver's profile knows, on board and before the policy: a contact slot
/// to the contact (and the number to dial), a place slot to the saved address ("home"), and "my
/// usual temperature" to the stored preference, else to what the history says the driver usually
/// sets. What the profile does not know gets a clear answer instead of a guess.
/// </summary>
internal static partial class ProfileResolver
{
    private static readonly IReadOnlyDictionary<string, string?> Unchanged = new Dictionary<string, string?>();

    /// <summary>The understanding with profile values filled in, or a refusal.</summary>
    public static Resolution Resolve(IntentDefinition intent, Understanding understanding, ProfileSnapshot profile, ResponseTable responses)
    {
        if (!intent.Slots.Any(s => s.Profile is not null || s.Preference is not null))
        {
            return new Resolution(understanding, null, null, Unchanged); // most commands: nothing to look up
        }

        var slots = understanding.Slots.ToList();
        var missing = understanding.MissingSlots.ToList();
        var spoken = new Dictionary<string, string?>(StringComparer.Ordinal);
        var changed = false;
        foreach (var definition in intent.Slots)
        {
            var index = slots.FindIndex(s => s.Key == definition.Name);
            var text = index >= 0 ? slots[index].Value.Text : null;
            switch (definition.Profile)
            {
                case ProfileLookup.Contact when text is not null && !text.Any(char.IsAsciiDigit):
                    var match = profile.FindContact(text);
                    if (match.Candidates.Count > 1)
                    {
                        var names = string.Join(" or ", match.Candidates.Select(c => c.Name));
                        return Resolution.Refuse(understanding, "ambiguous_contact", ResponseTable.Format(responses.AmbiguousContact, "names", names))
                            with { Choice = new Awaiting("choice", intent.Name, definition.Name, [.. match.Candidates.Select(c => c.Name)]) };
                    }

                    if (match.Contact is not { } contact)
                    {
                        return Resolution.Refuse(understanding, "unknown_contact", ResponseTable.Format(responses.UnknownContact, "name", text));
                    }

                    slots[index] = KeyValuePair.Create(definition.Name, SlotValue.Of(contact.Name));
                    if (contact.Phones.Count > 0 && intent.Slots.Any(s => s.Name == "number" && s.Kind == SlotKind.Digits) && slots.All(s => s.Key != "number"))
                    {
                        // The number to dial, from the profile; the response names the contact only.
                        slots.Add(KeyValuePair.Create("number", SlotValue.Of(new string([.. contact.Phones[0].Where(c => char.IsAsciiDigit(c) || c == '+')]))));
                        spoken["number"] = null;
                    }

                    changed = true;
                    break;
                case ProfileLookup.Place when text is not null:
                    if (profile.FindPlace(text) is { } place)
                    {
                        // The actuation gets the address; the response keeps the words the driver used.
                        slots[index] = KeyValuePair.Create(definition.Name, SlotValue.Of(place.Address));
                        spoken[definition.Name] = text;
                        changed = true;
                    }
                    else if (text is "home" or "work")
                    {
                        return Resolution.Refuse(understanding, "unknown_place", ResponseTable.Format(responses.UnknownPlace, "place", text));
                    }

                    break;
                case null when definition.Preference is { } key && index < 0 && Usual().IsMatch(understanding.Text):
                    var qualifier = slots.FirstOrDefault(s => s.Key is "zone" or "seat").Value.Text;
                    var value = profile.NumericPreference(key, qualifier) ?? Learned(profile, intent.Name, definition.Name, qualifier);
                    if (value is null)
                    {
                        return Resolution.Refuse(understanding, "unknown_preference", ResponseTable.Format(responses.UnknownPreference, "preference", definition.Name.Replace('_', ' ')));
                    }

                    slots.Add(KeyValuePair.Create(definition.Name, SlotValue.Of(value.Value)));
                    missing.Remove(definition.Name);
                    changed = true;
                    break;
            }
        }

        return new Resolution(changed ? understanding with { Slots = slots, MissingSlots = missing } : understanding, null, null, spoken);
    }

    /// <summary>The median of what the driver set for this slot (same zone or seat when one is given), or null.</summary>
    private static double? Learned(ProfileSnapshot profile, string intent, string slot, string? qualifier)
    {
        var values = profile.Data.History
            .Where(h => h.Intent == intent && (qualifier is null || !h.Slots.TryGetValue("zone", out var z) || z == qualifier))
            .Select(h => h.Slots.TryGetValue(slot, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (double?)null)
            .OfType<double>()
            .Order()
            .ToList();
        return values.Count == 0 ? null : values[values.Count / 2];
    }

    /// <summary>What resolution did.</summary>
    /// <param name="Understanding">With profile values filled in.</param>
    /// <param name="Reason">Set when the profile cannot resolve the request (the outcome's reason).</param>
    /// <param name="Response">What to say then.</param>
    /// <param name="Spoken">Slots the response says differently from the value acted on: the words the driver used ("home", not the address), or null to leave a slot out of it.</param>
    internal sealed record Resolution(Understanding Understanding, string? Reason, string? Response, IReadOnlyDictionary<string, string?> Spoken)
    {
        /// <summary>With an ambiguous name: the candidates to choose from (the conversation asks which one).</summary>
        public Awaiting? Choice { get; init; }

        public static Resolution Refuse(Understanding understanding, string reason, string response) =>
            new(understanding, reason, response, Unchanged);
    }

    [GeneratedRegex(@"\b(?:usual|preferred|regular|favou?rite|normal|like always|as always)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Usual();
}
