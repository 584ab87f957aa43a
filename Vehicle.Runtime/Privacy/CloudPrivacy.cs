using System.Text.Json;
using System.Text.RegularExpressions;
using Vehicle.Bus.Car;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// What stands between the car and the cloud: every cloud-bound question is redacted against the
/// current profile, and the car's position is added only when the question needs it, snapped to
/// a grid of <see cref="PrivacyOptions.LocationPrecisionKm"/>. It is also the bus's egress guard:
/// a payload that still carries one of the profile's personal values is never published.
/// </summary>
public sealed partial class CloudPrivacy : IEgressGuard
{
    private readonly Redactor _redactor;
    private readonly Func<ProfileSnapshot> _profile;
    private readonly Func<(double Latitude, double Longitude)?> _position;
    private readonly double _precisionKm;

    /// <summary>Creates the privacy layer.</summary>
    /// <param name="options">Plate patterns and location precision.</param>
    /// <param name="profile">The profile now (read per query).</param>
    /// <param name="position">The car's position now, or null when unknown.</param>
    public CloudPrivacy(PrivacyOptions options, Func<ProfileSnapshot> profile, Func<(double Latitude, double Longitude)?>? position = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.LocationPrecisionKm, 0);
        _redactor = new Redactor(options);
        _profile = profile;
        _position = position ?? (() => null);
        _precisionKm = options.LocationPrecisionKm;
    }

    /// <summary>The redactor (same rules as the bus path: the <c>redact</c> command uses it).</summary>
    public Redaction Redact(string text) => _redactor.Redact(text, _profile());

    /// <summary>The question as it may leave the car: redacted text, coarse position if needed, the map kept private.</summary>
    public PreparedQuestion Prepare(string text)
    {
        var redaction = Redact(text);
        var location = NeedsLocation(text) && _position() is { } here ? Coarsen(here.Latitude, here.Longitude, _precisionKm) : null;
        return new PreparedQuestion(redaction.Text, location, redaction.Count > 0 ? redaction.ToPrivateState() : null);
    }

    /// <inheritdoc/>
    public string? Inspect(ReadOnlySpan<byte> payload)
    {
        var known = _profile().Known;
        if (known.IsEmpty)
        {
            return null;
        }

        // Check the decoded strings: JSON escapes ("M\u00FCller") must not hide a value.
        var reader = new Utf8JsonReader(payload);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && known.FindAny(text) is { } type)
                {
                    return $"payload carries a known {type.ToPlaceholderName()} value from the profile";
                }
            }
        }
        catch (JsonException)
        {
            return "payload is not JSON";
        }

        return null;
    }

    /// <summary>Whether the question is about where the car is ("near me", "the weather here").</summary>
    public static bool NeedsLocation(string text) => LocationCue().IsMatch(text);

    /// <summary>The centre of the grid cell of about <paramref name="km"/> that holds the position.</summary>
    public static CoarsePosition Coarsen(double latitude, double longitude, double km)
    {
        const double KmPerDegree = 111.32;
        var latitudeStep = km / KmPerDegree;
        var cellLatitude = (Math.Floor(latitude / latitudeStep) + 0.5) * latitudeStep;
        // Longitude cells are as wide in km as latitude cells: wider in degrees away from the equator.
        var longitudeStep = km / (KmPerDegree * Math.Max(Math.Cos(cellLatitude * Math.PI / 180), 0.01));
        var cellLongitude = (Math.Floor(longitude / longitudeStep) + 0.5) * longitudeStep;
        return new CoarsePosition(Math.Round(Math.Clamp(cellLatitude, -90, 90), 4), Math.Round(cellLongitude, 4), km);
    }

    [GeneratedRegex(@"\b(?:near(?:by|est)?|close(?:st| by| to me)|around (?:here|me)|here|local(?:ly)?|this (?:area|town|city|neighbou?rhood)|where am i|weather|forecast|temperature outside|traffic|in town|open now|within \d+ (?:miles?|km|kilometers?|kilometres?))\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LocationCue();
}

/// <summary>A question as it may leave the car.</summary>
/// <param name="Text">Redacted: personal values replaced by typed placeholders.</param>
/// <param name="Position">The car's position snapped to a grid, only when the question needs it.</param>
/// <param name="PrivateState">The placeholder map, which never leaves the car; null when nothing was replaced.</param>
public sealed record PreparedQuestion(string Text, CoarsePosition? Position, string? PrivateState);

/// <summary>The centre of a grid cell of about <paramref name="PrecisionKm"/> that holds the car.</summary>
/// <param name="Latitude">Degrees.</param>
/// <param name="Longitude">Degrees.</param>
/// <param name="PrecisionKm">The cell's size.</param>
public sealed record CoarsePosition(double Latitude, double Longitude, double PrecisionKm);
