using System.Globalization;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// An immutable view of the profile for lookups on the lanes (no I/O, no locks): contacts by name
/// or nickname, saved places, preferences, and the matcher of its personal values.
/// </summary>
public sealed class ProfileSnapshot
{
    private static readonly string[] Leading = ["my ", "the ", "our "];
    private readonly Lazy<KnownValues> _known;

    /// <summary>Wraps profile data.</summary>
    public ProfileSnapshot(ProfileData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        _known = new Lazy<KnownValues>(() => new KnownValues(data), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private ProfileSnapshot(ProfileData data, Lazy<KnownValues> known)
    {
        Data = data;
        _known = known;
    }

    /// <summary>A profile with nothing in it.</summary>
    public static ProfileSnapshot Empty { get; } = new(new ProfileData());

    /// <summary>The data.</summary>
    public ProfileData Data { get; }

    /// <summary>Whether proactive suggestions are on (preference <c>suggestions</c>, default on).</summary>
    public bool SuggestionsEnabled => Preference("suggestions") is not { } value || value is not ("off" or "false" or "no" or "0");

    /// <summary>The matcher of the profile's personal values (built on first use).</summary>
    internal KnownValues Known => _known.Value;

    /// <summary>
    /// The contact meant by <paramref name="spoken"/> ("mom", "Maria", "maria schneider's"): full
    /// name, nickname, then a first or last name that only one contact has. Longer spans that carry
    /// trailing words ("anna on her mobile") are tried word by word. Ambiguous names give the
    /// candidates and no contact.
    /// </summary>
    public ContactMatch FindContact(string spoken)
    {
        ArgumentNullException.ThrowIfNull(spoken);
        var words = Normalize(spoken).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var n = words.Length; n > 0; n--)
        {
            var name = string.Join(' ', words, 0, n);
            var match = MatchContact(name);
            if (match.Contact is not null || match.Candidates.Count > 0)
            {
                return match;
            }
        }

        return new ContactMatch(null, []);
    }

    /// <summary>The saved place called <paramref name="spoken"/> (home, work, a favourite's name), or null.</summary>
    public PlaceData? FindPlace(string spoken)
    {
        ArgumentNullException.ThrowIfNull(spoken);
        var name = Normalize(spoken);
        foreach (var place in Data.Places)
        {
            if (Normalize(place.Name) == name)
            {
                return place;
            }
        }

        return null;
    }

    /// <summary>A preference's value, or null.</summary>
    public string? Preference(string key) => Data.Preferences.TryGetValue(key, out var value) ? value : null;

    /// <summary>A numeric preference: <c>key.qualifier</c> first, then <c>key</c>; null when neither is a number.</summary>
    public double? NumericPreference(string key, string? qualifier)
    {
        foreach (var name in qualifier is null ? [key] : new[] { key + "." + qualifier, key })
        {
            if (Preference(name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The same profile with another history (the personal values, and their matcher, are unchanged).</summary>
    internal ProfileSnapshot WithHistory(IReadOnlyList<HistoryEntry> history) => new(Data with { History = history }, _known);

    /// <summary>Lower case, single spaces, no leading "my"/"the", no possessive ending.</summary>
    internal static string Normalize(string text)
    {
        var normalized = string.Join(' ', text.ToLowerInvariant().Replace('’', '\'').Split([' ', '\t', ',', '.', '!', '?'], StringSplitOptions.RemoveEmptyEntries));
        foreach (var prefix in Leading)
        {
            if (normalized.StartsWith(prefix, StringComparison.Ordinal))
            {
                normalized = normalized[prefix.Length..];
            }
        }

        return normalized.EndsWith("'s", StringComparison.Ordinal) ? normalized[..^2] : normalized.TrimEnd('\'');
    }

    private ContactMatch MatchContact(string name)
    {
        List<ContactData> first = [];
        List<ContactData> last = [];
        foreach (var contact in Data.Contacts)
        {
            var full = Normalize(contact.Name);
            if (full == name || contact.Nicknames.Any(n => Normalize(n) == name))
            {
                return new ContactMatch(contact, []);
            }

            var parts = full.Split(' ');
            if (parts[0] == name)
            {
                first.Add(contact);
            }
            else if (parts.Length > 1 && parts[^1] == name)
            {
                last.Add(contact);
            }
        }

        var candidates = first.Count > 0 ? first : last;
        return candidates.Count == 1 ? new ContactMatch(candidates[0], []) : new ContactMatch(null, candidates);
    }
}

/// <summary>The result of a contact lookup.</summary>
/// <param name="Contact">The one contact meant, or null.</param>
/// <param name="Candidates">When the name fits several contacts: all of them.</param>
public sealed record ContactMatch(ContactData? Contact, IReadOnlyList<ContactData> Candidates);
