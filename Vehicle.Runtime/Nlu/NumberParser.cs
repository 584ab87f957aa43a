using System.Globalization;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// Finds numbers in tokenised speech: written ("21", "21.5", "1,000") and spoken
/// ("twenty one", "seventy-two", "one hundred and five", "twenty one point five").
/// </summary>
internal static class NumberParser
{
    private static readonly Dictionary<string, int> Units = new(StringComparer.Ordinal)
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6,
        ["seven"] = 7, ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12,
        ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17,
        ["eighteen"] = 18, ["nineteen"] = 19,
    };

    private static readonly Dictionary<string, int> Tens = new(StringComparer.Ordinal)
    {
        ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fourty"] = 40, ["fifty"] = 50, ["sixty"] = 60,
        ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90,
    };

    private static readonly Dictionary<string, int> Digits = new(StringComparer.Ordinal)
    {
        ["zero"] = 0, ["oh"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4,
        ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8, ["nine"] = 9,
    };

    /// <summary>Every number in the tokens, in order; skips tokens marked in <paramref name="consumed"/>.</summary>
    public static List<NumberSpan> FindNumbers(ReadOnlySpan<Token> tokens, ReadOnlySpan<bool> consumed)
    {
        var found = new List<NumberSpan>();
        var i = 0;
        while (i < tokens.Length)
        {
            if (consumed[i])
            {
                i++;
                continue;
            }

            if (TryParseWritten(tokens[i].Text, out var written))
            {
                found.Add(new NumberSpan(written, i, 1));
                i++;
                continue;
            }

            var length = ParseSpoken(tokens[i..], consumed[i..], out var spoken);
            if (length > 0)
            {
                found.Add(new NumberSpan(spoken, i, length));
                i += length;
            }
            else
            {
                i++;
            }
        }

        return found;
    }

    /// <summary>
    /// The first run of at least <paramref name="minDigits"/> digits, written or spoken one by one
    /// ("555 0134", "five five five oh one three four"), as a digit string.
    /// </summary>
    public static (string Digits, int Start, int Length)? FindDigitRun(ReadOnlySpan<Token> tokens, int minDigits)
    {
        var i = 0;
        while (i < tokens.Length)
        {
            var start = i;
            var digits = new System.Text.StringBuilder();
            while (i < tokens.Length && AppendDigits(tokens[i].Text, digits, digits.Length > 0))
            {
                i++;
            }

            if (digits.Length >= minDigits)
            {
                return (digits.ToString(), start, i - start);
            }

            i = Math.Max(i, start + 1);
        }

        return null;
    }

    internal static bool TryParseWritten(string token, out double value)
    {
        value = 0;
        if (token.Length == 0 || !char.IsDigit(token[0]) || !char.IsDigit(token[^1]))
        {
            return false;
        }

        var text = token;
        if (text.Contains(','))
        {
            // "1,000" groups thousands; "21,5" is a decimal comma.
            var groups = text.Split(',');
            text = groups.Skip(1).All(g => g.Length == 3) ? text.Replace(",", string.Empty, StringComparison.Ordinal) : text.Replace(',', '.');
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static bool AppendDigits(string token, System.Text.StringBuilder digits, bool inRun)
    {
        if (token.All(char.IsDigit))
        {
            digits.Append(token);
            return true;
        }

        // "oh" only counts once a run has started ("five five five oh one"), never as a first word.
        if (Digits.TryGetValue(token, out var d) && (inRun || token != "oh"))
        {
            digits.Append((char)('0' + d));
            return true;
        }

        return false;
    }

    private static int ParseSpoken(ReadOnlySpan<Token> tokens, ReadOnlySpan<bool> consumed, out double value)
    {
        long total = 0;
        long current = 0;
        var used = 0;
        var lastWasUnit = false;
        var lastWasTens = false;
        var any = false;
        for (var i = 0; i < tokens.Length && !consumed[i]; i++)
        {
            var word = tokens[i].Text;
            if (word == "a" && !any && i + 1 < tokens.Length && tokens[i + 1].Text is "hundred" or "thousand")
            {
                // "a hundred and ten": "a" counts as one only in front of a multiplier.
                current = 1;
                used = i + 1;
                any = true;
                continue;
            }

            if (Units.TryGetValue(word, out var unit))
            {
                // "five five" is two numbers and "twenty twelve" is not twenty-twelve.
                if (lastWasUnit || (lastWasTens && unit >= 10))
                {
                    break;
                }

                current += unit;
                lastWasUnit = true;
                lastWasTens = false;
            }
            else if (Tens.TryGetValue(word, out var ten))
            {
                if (lastWasUnit || lastWasTens || current % 100 != 0)
                {
                    break;
                }

                current += ten;
                lastWasTens = true;
                lastWasUnit = false;
            }
            else if (word == "hundred" && any)
            {
                current = Math.Max(current, 1) * 100;
                lastWasUnit = lastWasTens = false;
            }
            else if (word == "thousand" && any)
            {
                total += Math.Max(current, 1) * 1000;
                current = 0;
                lastWasUnit = lastWasTens = false;
            }
            else if (word == "and" && any && i + 1 < tokens.Length && (Units.ContainsKey(tokens[i + 1].Text) || Tens.ContainsKey(tokens[i + 1].Text)) && (current % 100 == 0) && current + total >= 100)
            {
                // "one hundred and five".
            }
            else if (word == "point" && any && i + 1 < tokens.Length && Digits.ContainsKey(tokens[i + 1].Text))
            {
                var fraction = 0.0;
                var scale = 0.1;
                var j = i + 1;
                while (j < tokens.Length && !consumed[j] && Digits.TryGetValue(tokens[j].Text, out var d))
                {
                    fraction += d * scale;
                    scale /= 10;
                    j++;
                }

                value = total + current + fraction;
                return j;
            }
            else
            {
                break;
            }

            any = true;
            used = i + 1;
        }

        value = total + current;
        return any ? used : 0;
    }
}

/// <summary>A number and the tokens it was read from.</summary>
internal readonly record struct NumberSpan(double Value, int Start, int Length);
