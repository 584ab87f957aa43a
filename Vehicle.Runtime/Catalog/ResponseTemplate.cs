using System.Text;

namespace Vehicle.Runtime.Catalog;

/// <summary>
/// The one template syntax of the catalog and the response table: <c>{name}</c> is replaced by
/// the value of <c>name</c>, <c>{name|fallback}</c> by the fallback when there is no value.
/// </summary>
internal static class ResponseTemplate
{
    /// <summary>Fills the template (a missing value becomes empty) and capitalises the first letter.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var text = Expand(template, name => values.GetValueOrDefault(name), string.Empty)!;
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }

    /// <summary>
    /// <c>{name}</c> becomes <paramref name="lookup"/>'s value, else the fallback after <c>|</c>,
    /// else <paramref name="missing"/>; the result is null when that is null.
    /// </summary>
    public static string? Expand(string template, Func<string, string?> lookup, string? missing)
    {
        if (!template.Contains('{', StringComparison.Ordinal))
        {
            return template;
        }

        var builder = new StringBuilder(template.Length + 32);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            var close = open < 0 ? -1 : template.IndexOf('}', open);
            if (close < 0)
            {
                builder.Append(template, i, template.Length - i);
                break;
            }

            builder.Append(template, i, open - i);
            var placeholder = template[(open + 1)..close];
            var bar = placeholder.IndexOf('|', StringComparison.Ordinal);
            var value = lookup(bar < 0 ? placeholder : placeholder[..bar]) ?? (bar < 0 ? missing : placeholder[(bar + 1)..]);
            if (value is null)
            {
                return null;
            }

            builder.Append(value);
            i = close + 1;
        }

        return builder.ToString();
    }
}
