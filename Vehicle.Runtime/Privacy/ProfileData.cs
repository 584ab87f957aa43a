using System.Text.Json.Serialization;

namespace Vehicle.Runtime.Privacy;

/// <summary>The profile's JSON form (import and export): who drives, whom they call, where they go, what they like.</summary>
public sealed record ProfileData
{
    /// <summary>The car's owner / main driver.</summary>
    [JsonPropertyName("owner")]
    public OwnerData Owner { get; set; } = new();

    /// <summary>The address book.</summary>
    [JsonPropertyName("contacts")]
    public IReadOnlyList<ContactData> Contacts { get; set; } = [];

    /// <summary>Saved places: <c>home</c>, <c>work</c> and favourites by name.</summary>
    [JsonPropertyName("places")]
    public IReadOnlyList<PlaceData> Places { get; set; } = [];

    /// <summary>
    /// Preferences by key: <c>cabin_temperature</c> (per zone: <c>cabin_temperature.passenger</c>),
    /// <c>seat_heating</c>, <c>volume</c>, <c>suggestions</c> (<c>on</c>/<c>off</c>).
    /// </summary>
    [JsonPropertyName("preferences")]
    public IReadOnlyDictionary<string, string> Preferences { get; set; } = new Dictionary<string, string>();

    /// <summary>Executed commands, oldest first.</summary>
    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry> History { get; set; } = [];
}

/// <summary>The owner's own personal data (all of it redacted before the cloud).</summary>
public sealed record OwnerData
{
    /// <summary>Full name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Phone numbers.</summary>
    [JsonPropertyName("phones")]
    public IReadOnlyList<string> Phones { get; set; } = [];

    /// <summary>E-mail addresses.</summary>
    [JsonPropertyName("emails")]
    public IReadOnlyList<string> Emails { get; set; } = [];

    /// <summary>Date of birth, ISO 8601 (<c>1986-04-12</c>).</summary>
    [JsonPropertyName("date_of_birth")]
    public string? DateOfBirth { get; init; }

    /// <summary>The car's vehicle identification number.</summary>
    [JsonPropertyName("vin")]
    public string? Vin { get; init; }

    /// <summary>The car's licence plates.</summary>
    [JsonPropertyName("plates")]
    public IReadOnlyList<string> Plates { get; set; } = [];
}

/// <summary>A contact.</summary>
public sealed record ContactData
{
    /// <summary>Full name as stored ("Maria Schneider").</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>What the driver calls them ("mom", "the boss").</summary>
    [JsonPropertyName("nicknames")]
    public IReadOnlyList<string> Nicknames { get; set; } = [];

    /// <summary>Phone numbers; the first is dialled.</summary>
    [JsonPropertyName("phones")]
    public IReadOnlyList<string> Phones { get; set; } = [];

    /// <summary>E-mail addresses.</summary>
    [JsonPropertyName("emails")]
    public IReadOnlyList<string> Emails { get; set; } = [];
}

/// <summary>A saved place.</summary>
public sealed record PlaceData
{
    /// <summary><c>home</c>, <c>work</c>, or the favourite's name ("the gym", "grandma's house").</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Street address.</summary>
    [JsonPropertyName("address")]
    public required string Address { get; init; }

    /// <summary>Degrees north.</summary>
    [JsonPropertyName("latitude")]
    public double? Latitude { get; init; }

    /// <summary>Degrees east.</summary>
    [JsonPropertyName("longitude")]
    public double? Longitude { get; init; }
}

/// <summary>One executed command.</summary>
public sealed record HistoryEntry
{
    /// <summary>When, with the local offset of the car at that time.</summary>
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    /// <summary>The catalog intent.</summary>
    [JsonPropertyName("intent")]
    public required string Intent { get; init; }

    /// <summary>Slot values as said (after resolution: "work", "mom", "21").</summary>
    [JsonPropertyName("slots")]
    public IReadOnlyDictionary<string, string> Slots { get; set; } = new Dictionary<string, string>();

    /// <summary>Where the car was, degrees north.</summary>
    [JsonPropertyName("latitude")]
    public double? Latitude { get; init; }

    /// <summary>Where the car was, degrees east.</summary>
    [JsonPropertyName("longitude")]
    public double? Longitude { get; init; }
}

/// <summary>Source-generated JSON for the profile.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ProfileData))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(ContactData))]
[JsonSerializable(typeof(PlaceData))]
[JsonSerializable(typeof(OwnerData))]
internal sealed partial class ProfileJson : JsonSerializerContext;
