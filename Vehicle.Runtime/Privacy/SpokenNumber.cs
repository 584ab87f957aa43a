using System.Text;
using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// Digits as a speech recogniser writes them when a number is spoken digit by digit: "four one
/// five", "double five", "oh" for zero.
/// </summary>
internal static partial class SpokenNumber
{
    /// <summary>The text with every digit word written as its digit ("call four one five" → "call 4 1 5").</summary>
    public static string ToDigits(string text) => DigitWord().Replace(text, match =>
    {
        var digit = Digit(match.Groups["d"].ValueSpan);
        var times = match.Groups["m"].Success ? (match.Groups["m"].ValueSpan.Equals("double", StringComparison.OrdinalIgnoreCase) ? 2 : 3) : 1;
        return string.Join(' ', Enumerable.Repeat(digit, times));
    });

    /// <summary>The digits of a spoken run ("four one five 555" → "415555"); false when it holds none.</summary>
    public static bool TryRead(string spoken, out string digits)
    {
        var builder = new StringBuilder();
        foreach (var c in ToDigits(spoken))
        {
            if (char.IsAsciiDigit(c))
            {
                builder.Append(c);
            }
        }

        digits = builder.ToString();
        return digits.Length > 0;
    }

    private static char Digit(ReadOnlySpan<char> word) => word.Length == 1 && char.IsAsciiDigit(word[0])
        ? word[0]
        : word.ToString().ToLowerInvariant() switch
        {
            "zero" or "oh" => '0',
            "one" => '1',
            "two" => '2',
            "three" => '3',
            "four" => '4',
            "five" => '5',
            "six" => '6',
            "seven" => '7',
            "eight" => '8',
            _ => '9',
        };

    [GeneratedRegex(@"\b(?:(?<m>double|triple)\s+)?(?<d>zero|oh|one|two|three|four|five|six|seven|eight|nine|(?<=(?:double|triple)\s+)\d)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DigitWord();
}
