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

    /// <summary>
    /// Whether a 17-character code is a VIN: the North American check digit is right, or (as in
    /// European VINs, which carry none) it is not North American and has the shape of one: letters
    /// and digits, and a serial number of at least five digits at the end.
    /// </summary>
    public static bool LooksLikeVin(ReadOnlySpan<char> vin)
    {
        if (vin.Length != 17 || !vin.ContainsAnyInRange('0', '9'))
        {
            return false;
        }

        var letters = 0;
        foreach (var c in vin)
        {
            if (Transliterate(char.ToUpperInvariant(c)) < 0)
            {
                return false;
            }

            letters += char.IsAsciiLetter(c) ? 1 : 0;
        }

        // North American VINs (made in regions 1-5) must carry the check digit; others need not.
        return letters > 0 && (VinCheckDigit(vin) || (vin[0] is not (>= '1' and <= '5') && letters >= 2 && !vin[12..].ContainsAnyExceptInRange('0', '9')));
    }

    /// <summary>Whether an IBAN (spaces allowed) has a valid ISO 13616 check (mod 97 = 1) and length (15-34).</summary>
    public static bool Iban(ReadOnlySpan<char> iban)
    {
        Span<char> compact = stackalloc char[34];
        var length = 0;
        foreach (var c in iban)
        {
            if (c == ' ')
            {
                continue;
            }

            if (length == 34 || !char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }

            compact[length++] = char.ToUpperInvariant(c);
        }

        if (length < 15 || !char.IsAsciiLetter(compact[0]) || !char.IsAsciiLetter(compact[1]) || !char.IsAsciiDigit(compact[2]) || !char.IsAsciiDigit(compact[3]))
        {
            return false;
        }

        // The first four characters move to the end; letters count as 10..35.
        var remainder = 0;
        for (var i = 0; i < length; i++)
        {
            var c = compact[(i + 4) % length];
            remainder = char.IsAsciiDigit(c) ? ((remainder * 10) + (c - '0')) % 97 : ((remainder * 100) + (c - 'A' + 10)) % 97;
        }

        return remainder == 1;
    }

    /// <summary>Whether nine digits (separators ignored) can be a US social security number: no area 000, 666 or 9xx, no group 00, no serial 0000.</summary>
    public static bool Ssn(ReadOnlySpan<char> ssn)
    {
        Span<int> d = stackalloc int[9];
        var count = 0;
        foreach (var c in ssn)
        {
            if (char.IsAsciiDigit(c))
            {
                if (count == 9)
                {
                    return false;
                }

                d[count++] = c - '0';
            }
        }

        if (count != 9)
        {
            return false;
        }

        var area = (d[0] * 100) + (d[1] * 10) + d[2];
        var group = (d[3] * 10) + d[4];
        var serial = (d[5] * 1000) + (d[6] * 100) + (d[7] * 10) + d[8];
        return area is not (0 or 666) && area < 900 && group != 0 && serial != 0;
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
