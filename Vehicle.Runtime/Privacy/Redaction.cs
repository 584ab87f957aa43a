using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// A redacted text and its placeholder map. The map stays in the car (in memory, and in the
/// outbox row of its query, which is deleted, with SQLite's secure delete, when the query
/// completes or expires); <see cref="Restore"/> puts the values back into the cloud's answer.
/// One value written two ways ("212-555-0198", "(212) 555 0198") shares a placeholder, and the
/// map keeps each way it was written, in order: the n-th mention of a placeholder is restored as
/// the n-th way, so restoring the redacted text gives back the original exactly.
/// </summary>
public sealed partial class Redaction
{
    // Placeholder → how each mention was written, in order (one entry when all were written alike).
    private readonly IReadOnlyDictionary<string, List<string>> _values;

    /// <summary>Creates a redaction with one written form per placeholder.</summary>
    public Redaction(string text, IReadOnlyList<RedactedEntity> entities, IReadOnlyDictionary<string, string> values)
        : this(text, entities, values.ToDictionary(v => v.Key, v => new List<string> { v.Value }))
    {
    }

    internal Redaction(string text, IReadOnlyList<RedactedEntity> entities, IReadOnlyDictionary<string, List<string>> values)
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

        var mentions = new Dictionary<string, int>(StringComparer.Ordinal);
        return Placeholder().Replace(reply, match =>
        {
            var name = match.Groups["type"].Value;
            if (!PiiTypeNames.TryParse(name, out var type))
            {
                return match.Value;
            }

            var key = $"<{type.ToPlaceholderName()}_{match.Groups["n"].Value}>";
            if (!_values.TryGetValue(key, out var forms))
            {
                return type.Generic();
            }

            var mention = mentions.GetValueOrDefault(key);
            mentions[key] = mention + 1;
            return forms[Math.Min(mention, forms.Count - 1)];
        });
    }

    /// <summary>The map as JSON, for the outbox row that keeps it with the query: <c>{"&lt;PHONE_1&gt;": first form, "&lt;PHONE_1&gt;#2": second mention's form, ...}</c>.</summary>
    public string ToPrivateState()
    {
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (placeholder, forms) in _values)
        {
            flat[placeholder] = forms[0];
            for (var i = 1; i < forms.Count; i++)
            {
                flat[$"{placeholder}#{i + 1}"] = forms[i];
            }
        }

        return JsonSerializer.Serialize(flat, ProfileJson.Default.DictionaryStringString);
    }

    /// <summary>A redaction restored from <see cref="ToPrivateState"/> (for a reply after a restart).</summary>
    public static Redaction FromPrivateState(string text, string? state)
    {
        var flat = string.IsNullOrEmpty(state)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize(state, ProfileJson.Default.DictionaryStringString) ?? [];
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in flat.Where(f => !f.Key.Contains('#', StringComparison.Ordinal)))
        {
            var forms = new List<string> { value };
            for (var i = 2; flat.TryGetValue($"{key}#{i}", out var next); i++)
            {
                forms.Add(next);
            }

            values[key] = forms;
        }

        return new Redaction(text, [], values);
    }

    [GeneratedRegex(@"(?:<\s*(?<type>[A-Za-z]+)[\s_\-]*(?<n>\d+)\s*>|\[\s*(?<type>[A-Za-z]+)[\s_\-]*(?<n>\d+)\s*\]|\{\s*(?<type>[A-Za-z]+)[\s_\-]*(?<n>\d+)\s*\}|\b(?<type>PERSON|PHONE|EMAIL|ADDRESS|LOCATION|VIN|PLATE|DATE|CARD|ACCOUNT|ID)_(?<n>\d+)\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    internal static partial Regex Placeholder();
}
