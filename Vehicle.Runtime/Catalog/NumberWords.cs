using System.Globalization;

namespace Vehicle.Runtime.Catalog;

/// <summary>Numbers as a recogniser's dictionary has them: spelled out ("twenty one point five").</summary>
internal static class NumberWords
{
    private static readonly string[] Units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
    private static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    /// <summary>Every word a spelled number can contain.</summary>
    public static readonly IReadOnlySet<string> Vocabulary = new HashSet<string>(Units.Concat(Tens.Where(t => t.Length > 0)).Concat(["hundred", "thousand", "point", "and", "a"]), StringComparer.Ordinal);

    /// <summary>"21.5" → "twenty one point five"; null when <paramref name="token"/> is not a plain number.</summary>
    public static string? Spell(string token)
    {
        var parts = token.Split('.');
        if (parts.Length > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var whole) || whole > 999_999)
        {
            return null;
        }

        var words = Spell(whole);
        if (parts.Length == 2)
        {
            if (parts[1].Length == 0 || !parts[1].All(char.IsAsciiDigit))
            {
                return null;
            }

            words += " point " + string.Join(' ', parts[1].Select(d => Units[d - '0']));
        }

        return words;
    }

    /// <summary>0..999,999 in words.</summary>
    public static string Spell(long n)
    {
        if (n < 20)
        {
            return Units[n];
        }

        if (n < 100)
        {
            return Tens[n / 10] + (n % 10 == 0 ? string.Empty : " " + Units[n % 10]);
        }

        if (n < 1000)
        {
            return Units[n / 100] + " hundred" + (n % 100 == 0 ? string.Empty : " " + Spell(n % 100));
        }

        return Spell(n / 1000) + " thousand" + (n % 1000 == 0 ? string.Empty : " " + Spell(n % 1000));
    }
}
