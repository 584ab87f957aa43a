using System.Text.RegularExpressions;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Catalog;

/// <summary>One slot of an intent, with everything needed to find and normalise its value.</summary>
internal sealed class SlotDefinition
{
    public required string Name { get; init; }

    public required SlotKind Kind { get; init; }

    public bool Required { get; init; }

    /// <summary>Value used when the utterance does not say; null for none.</summary>
    public string? Default { get; init; }

    /// <summary>When true the default comes from the speaker's seat through <see cref="SpeakerMap"/>.</summary>
    public bool DefaultFromSpeaker { get; init; }

    /// <summary>(Enum) canonical values, in catalog order.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>(Enum, text aliases) phrases as tokens, each with the canonical value it means.</summary>
    public IReadOnlyList<PhraseValue> Phrases { get; init; } = [];

    /// <summary>(Enum) speaker seat (snake_case) to value.</summary>
    public IReadOnlyDictionary<string, string> SpeakerMap { get; init; } = new Dictionary<string, string>();

    /// <summary>(Enum) value to the VSS path segment(s) it stands for in actuation signals.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PathSegments { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>(Number) phrases with a numeric value, such as "halfway".</summary>
    public IReadOnlyList<PhraseNumber> Words { get; init; } = [];

    public double? Min { get; init; }

    public double? Max { get; init; }

    /// <summary>(Text) carrier patterns, most specific first; group "v" is the span.</summary>
    public IReadOnlyList<Regex> Patterns { get; init; } = [];

    /// <summary>(Text) leading words removed from the span ("some" in "play some jazz").</summary>
    public IReadOnlyList<string[]> Strip { get; init; } = [];

    /// <summary>(Text) spans that carry no value ("music" in "play music").</summary>
    public IReadOnlySet<string> Ignore { get; init; } = new HashSet<string>();

    /// <summary>(Text) the span is a person's name: a capitalised run is kept ("Anna" of "Anna I'll be late").</summary>
    public bool IsName { get; init; }

    /// <summary>(Text) when no pattern matches, the rest of the utterance after this text slot's span ("Tom happy birthday").</summary>
    public string? RestAfter { get; init; }

    /// <summary>(Text) longest span kept, in words; null for no limit.</summary>
    public int? MaxWords { get; init; }

    /// <summary>(Enum) infer this slot from another slot's number when the utterance does not say.</summary>
    public SlotInference? Infer { get; init; }

    /// <summary>(Text) resolved against the on-board profile: a contact or a saved place.</summary>
    public ProfileLookup? Profile { get; init; }

    /// <summary>(Number) the profile preference "my usual ..." fills it from (per zone: <c>key.zone</c> first).</summary>
    public string? Preference { get; init; }
}

/// <summary>What a text slot is looked up as in the profile.</summary>
internal enum ProfileLookup
{
    /// <summary>A contact: the number to dial comes from the profile.</summary>
    Contact,

    /// <summary>A saved place (home, work, favourites): the address comes from the profile.</summary>
    Place,
}

/// <summary>A phrase, as lower-case tokens, and the canonical value it means.</summary>
internal sealed record PhraseValue(Token[] Tokens, string Value);

/// <summary>A phrase, as lower-case tokens, and the number it means.</summary>
internal sealed record PhraseNumber(Token[] Tokens, double Value);

/// <summary>"unit is fahrenheit when temperature is above 45 and no unit was said".</summary>
internal sealed record SlotInference(string FromSlot, double Above, string Value);
