using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vehicle.Bus;

/// <summary>A query as the car hands it to the bus.</summary>
/// <param name="Id">Unique id; travels as the MQTT Correlation Data (16 bytes).</param>
/// <param name="Text">The question.</param>
/// <param name="Expires">When the answer stops being useful (time-to-live).</param>
/// <param name="Speaker">Who asked (a seat name), for the answer's routing in the car.</param>
/// <param name="Location">The car's coarsened position, only when the question needs it.</param>
/// <param name="Private">
/// State that stays in the car with the query (the redaction's placeholder map): stored in the
/// outbox, handed back with the reply, never published, deleted with the query.
/// </param>
public sealed record BusQuery(Guid Id, string Text, DateTimeOffset Expires, string? Speaker = null, CoarseLocation? Location = null, string? Private = null);

/// <summary>A position coarsened on purpose: the centre of a grid cell about <paramref name="RadiusKm"/> across.</summary>
/// <param name="Latitude">Degrees north.</param>
/// <param name="Longitude">Degrees east.</param>
/// <param name="RadiusKm">How far the real position may be from this one.</param>
public sealed record CoarseLocation(
    [property: JsonPropertyName("lat")] double Latitude,
    [property: JsonPropertyName("lon")] double Longitude,
    [property: JsonPropertyName("radius_km")] double RadiusKm);

/// <summary>An answer handed to the car's runtime.</summary>
/// <param name="Id">The query's id.</param>
/// <param name="Question">The query's text, from the outbox (also after a restart).</param>
/// <param name="Speaker">Who asked.</param>
/// <param name="Text">The answer to speak.</param>
/// <param name="Command">An action the cloud suggests, as words; the car treats it like a spoken command (same policy).</param>
/// <param name="Error">Set when the cloud could not answer.</param>
/// <param name="Private">The query's <see cref="BusQuery.Private"/> state, from the outbox.</param>
public sealed record BusReply(Guid Id, string Question, string? Speaker, string Text, string? Command, string? Error, string? Private = null);

/// <summary>Why a query left the outbox without an answer.</summary>
public enum QueryDropReason
{
    /// <summary>Its time-to-live ran out.</summary>
    Expired,

    /// <summary>The outbox was full and this was the oldest query.</summary>
    Evicted,

    /// <summary>The egress guard refused to publish it (it still carried personal data).</summary>
    Blocked,
}

/// <summary>JSON body of a query on the wire.</summary>
public sealed record QueryBody(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("speaker")] string? Speaker = null,
    [property: JsonPropertyName("location")] CoarseLocation? Location = null);

/// <summary>JSON body of a reply on the wire.</summary>
public sealed record ReplyBody(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("command")] string? Command = null,
    [property: JsonPropertyName("error")] string? Error = null);

/// <summary>Source-generated JSON for the wire bodies.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueryBody))]
[JsonSerializable(typeof(ReplyBody))]
public sealed partial class WireJson : JsonSerializerContext
{
    /// <summary>A query's body as published.</summary>
    public static byte[] Serialize(QueryBody body) => JsonSerializer.SerializeToUtf8Bytes(body, Default.QueryBody);

    /// <summary>A query's body as published (text, speaker, coarse location; never the private map).</summary>
    public static byte[] Serialize(BusQuery query) => Serialize(new QueryBody(query.Text, query.Speaker, query.Location));

    /// <summary>A reply's body as published.</summary>
    public static byte[] Serialize(ReplyBody body) => JsonSerializer.SerializeToUtf8Bytes(body, Default.ReplyBody);
}
