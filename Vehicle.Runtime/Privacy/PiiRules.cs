namespace Vehicle.Runtime.Privacy;

/// <summary>Check digits and value ranges that turn a pattern match into a confident detection.</summary>
public static class PiiRules
{
    private const string VinWeights = "8765432X098765432";

    /// <summary>The Luhn check of a payment card number (digits only; other characters ignored).</summary>
    public static bool Luhn(ReadOnlySpan<char> number)
    {
        var sum = 0;
        var digits = 0;
        for (var i = number.Length - 1; i >= 0; i--)
        {
            if (!char.IsAsciiDigit(number[i]))
            {
                continue;
            }

            var d = number[i] - '0';
            if (digits++ % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return digits >= 12 && sum % 10 == 0;
    }

    /// <summary>
    /// Whether a 17-character VIN's check digit (position 9, ISO 3779 / FMVSS 115) is right. Letters
    /// I, O and Q never occur in a VIN.
    /// </summary>
    public static bool VinCheckDigit(ReadOnlySpan<char> vin)
    {
        if (vin.Length != 17)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = Transliterate(char.ToUpperInvariant(vin[i]));
            if (value < 0)
            {
                return false;
            }

            var weight = VinWeights[i] == 'X' ? 10 : VinWeights[i] - '0';
            sum += value * weight;
        }

        var check = sum % 11;
        var expected = check == 10 ? 'X' : (char)('0' + check);
        return char.ToUpperInvariant(vin[8]) == expected;
    }

    /// <summary>The check digit a VIN should carry at position 9 (for building test data).</summary>
    public static char VinCheckDigitOf(ReadOnlySpan<char> vin)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            if (i == 8)
            {
                continue;
            }

            var weight = VinWeights[i] == 'X' ? 10 : VinWeights[i] - '0';
            sum += Transliterate(char.ToUpperInvariant(vin[i])) * weight;
        }

        var check = sum % 11;
        return check == 10 ? 'X' : (char)('0' + check);
    }

    private static int Transliterate(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'H' => c - 'A' + 1,
        >= 'J' and <= 'N' => c - 'J' + 1,
        'P' => 7,
        'R' => 9,
        >= 'S' and <= 'Z' => c - 'S' + 2,
        _ => -1,
    };
}
