using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// A redacted text and its placeholder map. The map stays in the car (in memory, and in the
/// outbox row of its query, which is deleted, with SQLite's secure delete, when the query
/// completes or expires); <see cref="Restore"/> puts the values back into the cloud's answer.
/// </summary>
public sealed partial class Redaction
{
    private readonly IReadOnlyDictionary<string, string> _values;

    /// <summary>Creates a redaction.</summary>
    public Redaction(string text, IReadOnlyList<RedactedEntity> entities, IReadOnlyDictionary<string, string> values)
    {
        Text = text;
        Entities = entities;
        _values = values;
    }

    /// <summary>The text with placeholders: exactly what leaves the car.</summary>
    public string Text { get; }

    /// <summary>What was replaced, in order of appearance (repeats included).</summary>
    public IReadOnlyList<RedactedEntity> Entities { get; }

    /// <summary>Distinct placeholders.</summary>
    public int Count => _values.Count;

    /// <summary>
    /// Puts the values back into <paramref name="reply"/>. Tolerates what models do to
    /// placeholders: other brackets (<c>[PERSON_1]</c>), spaces, lower case, a missing bracket
    /// (<c>PERSON_1</c>), repeats. A placeholder this query never had is replaced by a neutral
    /// phrase ("that person"), never left in the spoken answer.
    /// </summary>
    public string Restore(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IndexOf('_', StringComparison.Ordinal) < 0 && reply.IndexOfAny(['<', '[', '{']) < 0)
        {
            return reply;
        }

        return Placeholder().Replace(reply, match =>
        {
            var name = match.Groups["type"].Value;
            if (!PiiTypeNames.TryParse(name, out var type))
            {
                return match.Value;
            }

            var key = $"<{type.ToPlaceholderName()}_{match.Groups["n"].Value}>";
            return _values.TryGetValue(key, out var value) ? value : type.Generic();
        });
    }

    /// <summary>The map as JSON, for the outbox row that keeps it with the query.</summary>
    public string ToPrivateState() => JsonSerializer.Serialize(_values.ToDictionary(), ProfileJson.Default.DictionaryStringString);

    /// <summary>A redaction restored from <see cref="ToPrivateState"/> (for a reply after a restart).</summary>
    public static Redaction FromPrivateState(string text, string? state)
    {
        var values = string.IsNullOrEmpty(state)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize(state, ProfileJson.Default.DictionaryStringString) ?? [];
        return new Redaction(text, [], values);
    }

    [GeneratedRegex(@"(?:<\s*(?<type>[A-Za-z]+)[\s_\-]*(?<n>\d+)\s*>|\[\s*(?<type>[A-Za-z]+)[\s_\-]*(?<n>\d+)\s*\]|\{\s*(?<type>[A-Za-z]+)[\s_\-]*(?<n>\d+)\s*\}|\b(?<type>PERSON|PHONE|EMAIL|ADDRESS|LOCATION|VIN|PLATE|DATE|CARD|ACCOUNT|ID)_(?<n>\d+)\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Placeholder();
}
