using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Tests;

/// <summary>A personal value a synthetic question carries, exactly as written in it.</summary>
/// <param name="Type">What it is.</param>
/// <param name="Raw">The value as it appears in the question (a possessive "'s" is not part of it).</param>
/// <param name="FromProfile">Whether the profile knows it (a contact's name, the owner's VIN...) or only a pattern can find it.</param>
internal sealed record EmbeddedValue(PiiType Type, string Raw, bool FromProfile);

/// <summary>A synthetic cloud-bound world question and the personal values in it.</summary>
internal sealed record CorpusQuery(string Text, IReadOnlyList<EmbeddedValue> Values);

/// <summary>
/// The test driver's profile, and a deterministic generator (seeded <see cref="Random"/>) of world
/// questions that carry personal data of every <see cref="PiiType"/>, from the profile and not.
/// The templates hold no digits and no profile word, so every digit of a question belongs to a
/// value and nothing of a value can hide in the template.
/// </summary>
internal static partial class PrivacyCorpus
{
    public const string MariaPhone = "+49 89 1234567";

    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    // {0}, {1}... are filled with values of the listed types, in order.
    private static readonly (string Template, PiiType[] Types)[] Templates =
    [
        ("what is a good birthday present for {0}", [PiiType.Person]),
        ("which films would {0} enjoy this winter", [PiiType.Person]),
        ("how do you say happy birthday to {0} in italian", [PiiType.Person]),
        ("what does the name {0} mean", [PiiType.Person]),
        ("who owns the phone number {0}", [PiiType.Phone]),
        ("is {0} a mobile or a landline", [PiiType.Phone]),
        ("which country uses numbers like {0} these days", [PiiType.Phone]),
        ("is {0} a valid e-mail address", [PiiType.Email]),
        ("which provider hosts the mailbox {0}", [PiiType.Email]),
        ("how old is the house at {0}", [PiiType.Address]),
        ("what is the history of the building at {0} in town", [PiiType.Address]),
        ("what is the elevation at {0}", [PiiType.Location]),
        ("which city lies at {0} exactly", [PiiType.Location]),
        ("what time zone is {0} in", [PiiType.Location]),
        ("decode the vin {0} for me", [PiiType.Vin]),
        ("what model year is the vin {0}", [PiiType.Vin]),
        ("which district issues plates like {0}", [PiiType.Plate]),
        ("what does the plate {0} say about the car", [PiiType.Plate]),
        ("i was born on {0}, what is my star sign", [PiiType.Date]),
        ("my birthday is {0}; which weekday was that", [PiiType.Date]),
        ("my date of birth is {0}, how old am i", [PiiType.Date]),
        ("is the card {0} still valid", [PiiType.Card]),
        ("which bank issued the card number {0}", [PiiType.Card]),
        ("how long would {0} need to drive from {1} to {2}", [PiiType.Person, PiiType.Address, PiiType.Location]),
        ("can {0} reach me at {1} or at {2} tonight", [PiiType.Person, PiiType.Phone, PiiType.Email]),
        ("is the vin {0} the car with the plate {1}", [PiiType.Vin, PiiType.Plate]),
        ("i was born on {0} and my card {1} expires soon, what should i do", [PiiType.Date, PiiType.Card]),
        ("what restaurants are near {0} that {1} would like", [PiiType.Location, PiiType.Person]),
        ("how far is {0} from {1}", [PiiType.Address, PiiType.Address]),
        ("tell {0} and {1} the weather for tomorrow", [PiiType.Person, PiiType.Person]),
        ("which bank holds the iban {0}", [PiiType.Account]),
        ("can i pay {0} from the account {1}", [PiiType.Person, PiiType.Account]),
        ("is {0} a valid social security number", [PiiType.NationalId]),
        ("when does the passport {0} expire", [PiiType.NationalId]),
    ];

    private static readonly string[] Persons =
    [
        "Maria Schneider", "Robert Fischer", "Will Turner", "Anna Lee", "Lane Kowalski", "Giovanni Rossi", "Thomas Brandt",
        "Maria", "Robert", "Anna", "Giovanni", "Thomas", "Will", "Lane",
        "Schneider", "Fischer", "Turner", "Lee", "Kowalski", "Rossi", "Brandt", "Bobby",
    ];

    // Single names that are everyday words: identifying only when capitalised, so never lower-cased here.
    private static readonly HashSet<string> CapitalisedOnly = ["Will", "Lane"];

    private static readonly string[] StreetNames = ["Baker", "Maple", "Oak", "Elm", "Sunset", "Pennsylvania", "Cedar", "Walnut", "Highland", "Church"];
    private static readonly string[] StreetTypes = ["Street", "Avenue", "Road", "Drive", "Boulevard", "Court", "Way", "Place", "street", "avenue", "road"];
    private static readonly string[] GermanNames = ["Leopold", "Goethe", "Schiller", "Bahnhof", "Haupt", "Linden", "Mozart", "Kaiser"];
    private static readonly string[] GermanTypes = ["straße", "strasse", "weg", "platz", "allee", "gasse"];
    private static readonly string[] EmailUsers = ["j.smith", "kathrin_m", "info+news", "peter.mueller", "lisa-marie", "ops"];
    private static readonly string[] EmailDomains = ["example.com", "mail.example.de", "uni-example.edu", "example.co.uk"];
    private static readonly string[] Districts = ["M", "B", "HH", "K", "S", "MUC", "STA", "F"];
    private static readonly string[] Manufacturers = ["WVW", "WBA", "1HG", "JH4", "5YJ", "VF1", "ZFA", "SAL", "WDD", "KMH"];

    /// <summary>The owner's VIN (with a correct check digit).</summary>
    public static string OwnerVin { get; } = WithCheckDigit("WVWZZZ1J0XW000001");

    /// <summary>The test driver: contacts with a kinship nickname, a name nickname, everyday-word first names and a short surname.</summary>
    public static ProfileData Profile() => new()
    {
        Owner = new OwnerData
        {
            Name = "Thomas Brandt",
            Phones = ["+49 151 23456789"],
            Emails = ["thomas.brandt@example.org"],
            DateOfBirth = "1986-04-12",
            Vin = OwnerVin,
            Plates = ["M-TB 4711"],
        },
        Contacts =
        [
            new ContactData { Name = "Maria Schneider", Nicknames = ["mom"], Phones = [MariaPhone], Emails = ["maria.schneider@example.com"] },
            new ContactData { Name = "Robert Fischer", Nicknames = ["Bobby"], Phones = ["+1 (212) 555-0198"], Emails = ["bob@fischer.example"] },
            new ContactData { Name = "Will Turner", Phones = ["+44 20 7946 0958"] },
            new ContactData { Name = "Anna Lee", Nicknames = ["my sister"], Phones = ["+33 6 12 34 56 78"] },
            new ContactData { Name = "Lane Kowalski", Phones = ["+48 22 123 45 67"] },
            new ContactData { Name = "Giovanni Rossi", Nicknames = ["the boss"], Phones = ["+39 06 9876 5432"] },
        ],
        Places =
        [
            new PlaceData { Name = "home", Address = "Leopoldstraße 12, 80802 München", Latitude = 48.1566, Longitude = 11.5843 },
            new PlaceData { Name = "work", Address = "Arnulfstraße 59, 80636 München", Latitude = 48.1445, Longitude = 11.5463 },
            new PlaceData { Name = "the gym", Address = "221 Baker Street, London" },
        ],
        Preferences = new Dictionary<string, string> { ["cabin_temperature"] = "21.5" },
    };

    /// <summary><paramref name="count"/> questions, the same for the same seed.</summary>
    public static IReadOnlyList<CorpusQuery> Generate(int count = 180, int seed = 20261129)
    {
        var random = new Random(seed);
        var queries = new List<CorpusQuery>(count);
        for (var i = 0; i < count; i++)
        {
            var (template, types) = Templates[i % Templates.Length];
            var values = new List<EmbeddedValue>();
            var written = new object[types.Length];
            for (var slot = 0; slot < types.Length; slot++)
            {
                var (text, value) = Value(types[slot], random);
                // Two slots of one type get two different values ("how far is A from B").
                while (values.Any(v => string.Equals(v.Raw, value.Raw, StringComparison.OrdinalIgnoreCase)))
                {
                    (text, value) = Value(types[slot], random);
                }

                written[slot] = text;
                values.Add(value);
            }

            queries.Add(new CorpusQuery(string.Format(CultureInfo.InvariantCulture, template, written), values));
        }

        return queries;
    }

    /// <summary>Whether <paramref name="haystack"/> still carries <paramref name="value"/>: as written (any case, as a whole word), and for numbers also digit for digit whatever the separators.</summary>
    public static bool Leaks(string haystack, EmbeddedValue value)
    {
        if (ContainsWord(haystack, value.Raw))
        {
            return true;
        }

        if (value.Type is not (PiiType.Phone or PiiType.Card or PiiType.Account or PiiType.NationalId))
        {
            return false;
        }

        var digits = DigitsOf(value.Raw);
        // The subscriber part alone ("1234567") identifies a phone as well as the full number.
        var tail = value.Type == PiiType.Phone ? digits[^7..] : digits;
        foreach (Match run in NumberRun().Matches(haystack))
        {
            var found = DigitsOf(run.Value);
            if (found.Contains(digits, StringComparison.Ordinal) || found.Contains(tail, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The redacted text without its placeholders: what is left of the question's own words.</summary>
    public static string WithoutPlaceholders(string redacted) => Placeholder().Replace(redacted, " ");

    /// <summary>Every string a JSON document holds (property names and values), decoded.</summary>
    public static IEnumerable<string> JsonStrings(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        var strings = new List<string>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    strings.Add(reader.GetString()!);
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the raw text is checked anyway.
        }

        return strings;
    }

    public static string WithCheckDigit(string vin) => string.Concat(vin.AsSpan(0, 8), PiiRules.VinCheckDigitOf(vin).ToString(), vin.AsSpan(9));

    /// <summary>An IBAN of <paramref name="country"/> and <paramref name="account"/> with its check digits (ISO 13616).</summary>
    public static string Iban(string country, string account)
    {
        var rearranged = string.Concat((account + country + "00").Select(c => char.IsAsciiDigit(c) ? c.ToString() : (c - 'A' + 10).ToString(CultureInfo.InvariantCulture)));
        var remainder = 0;
        foreach (var c in rearranged)
        {
            remainder = ((remainder * 10) + (c - '0')) % 97;
        }

        return $"{country}{98 - remainder:00}{account}";
    }

    /// <summary>A card number of <paramref name="prefix"/> and random digits, <paramref name="length"/> long, with its Luhn check digit.</summary>
    public static string LuhnNumber(string prefix, int length, Random random)
    {
        var digits = new StringBuilder(prefix);
        while (digits.Length < length - 1)
        {
            digits.Append((char)('0' + random.Next(10)));
        }

        for (var check = '0'; check <= '9'; check++)
        {
            if (PiiRules.Luhn(digits.ToString() + check))
            {
                return digits.Append(check).ToString();
            }
        }

        throw new InvalidOperationException("no Luhn check digit");
    }

    private static (string Text, EmbeddedValue Value) Value(PiiType type, Random random)
    {
        switch (type)
        {
            case PiiType.Person:
            {
                var name = Pick(Persons, random);
                var written = CapitalisedOnly.Contains(name) ? name : random.Next(3) switch
                {
                    0 => name.ToLowerInvariant(),
                    1 => name.ToUpperInvariant(),
                    _ => name,
                };
                var possessive = random.Next(4) == 0 ? (random.Next(2) == 0 ? "'s" : "’s") : string.Empty;
                return (written + possessive, new EmbeddedValue(type, written, true));
            }

            case PiiType.Phone:
            {
                var phone = random.Next(12) switch
                {
                    0 => "+49 89 " + Digits(random, 7),
                    1 => "0" + Digits(random, 2) + " " + Digits(random, 7),
                    2 => $"+1 ({Digits(random, 3)}) {Digits(random, 3)}-{Digits(random, 4)}",
                    3 => $"{Digits(random, 3)}-{Digits(random, 3)}-{Digits(random, 4)}",
                    4 => $"({Digits(random, 3)}) {Digits(random, 3)} {Digits(random, 4)}",
                    5 => $"+44 20 {Digits(random, 4)} {Digits(random, 4)}",
                    6 => $"020 {Digits(random, 4)} {Digits(random, 4)}",
                    7 => $"07{Digits(random, 3)} {Digits(random, 6)}",
                    8 => $"+33 {random.Next(6, 8)} {Pairs(random)}",
                    9 => $"0{random.Next(6, 8)} {Pairs(random)}",
                    10 => $"+81 3-{Digits(random, 4)}-{Digits(random, 4)}",
                    _ => Digits(random, 10),
                };
                if (random.Next(5) == 0)
                {
                    // A profile number, written differently from how it is stored.
                    phone = Pick(["089 1234567", "0049 89 123 45 67", "(212) 555 0198", "020 7946 0958", "06 12 34 56 78", "0151 23456789"], random);
                    return (phone, new EmbeddedValue(type, phone, true));
                }

                return (phone, new EmbeddedValue(type, phone, false));
            }

            case PiiType.Email:
            {
                if (random.Next(4) == 0)
                {
                    var known = Pick(["maria.schneider@example.com", "bob@fischer.example", "thomas.brandt@example.org"], random);
                    return (known, new EmbeddedValue(type, known, true));
                }

                var email = $"{Pick(EmailUsers, random)}{random.Next(1, 99)}@{Pick(EmailDomains, random)}";
                return (email, new EmbeddedValue(type, email, false));
            }

            case PiiType.Address:
            {
                var choice = random.Next(5);
                if (choice == 0)
                {
                    var known = Pick(["Leopoldstraße 12", "Arnulfstraße 59", "221 Baker Street", "Leopoldstrasse 12"], random);
                    return (known, new EmbeddedValue(type, known, true));
                }

                var address = choice <= 2
                    ? $"{random.Next(1, 2500)} {Pick(StreetNames, random)} {Pick(StreetTypes, random)}"
                    : $"{Pick(GermanNames, random)}{Pick(GermanTypes, random)} {random.Next(1, 180)}";
                return (address, new EmbeddedValue(type, address, false));
            }

            case PiiType.Location:
            {
                var latitude = Math.Round((random.NextDouble() * 170) - 85, 4);
                var longitude = Math.Round((random.NextDouble() * 350) - 175, 4);
                var c = CultureInfo.InvariantCulture;
                var location = random.Next(4) switch
                {
                    0 => string.Format(c, "{0:0.0000}, {1:0.0000}", latitude, longitude),
                    1 => string.Format(c, "{0:0.0000} {1:0.00000}", latitude, longitude),
                    2 => string.Format(c, "{0:0.0000}° {1}, {2:0.0000}° {3}", Math.Abs(latitude), latitude < 0 ? 'S' : 'N', Math.Abs(longitude), longitude < 0 ? 'W' : 'E'),
                    _ => $"{Dms(latitude, 'N', 'S')} {Dms(longitude, 'E', 'W')}",
                };
                return (location, new EmbeddedValue(type, location, false));
            }

            case PiiType.Vin:
            {
                if (random.Next(5) == 0)
                {
                    return (OwnerVin, new EmbeddedValue(type, OwnerVin, true));
                }

                const string Alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
                var body = new StringBuilder(Pick(Manufacturers, random));
                while (body.Length < 17)
                {
                    body.Append(Alphabet[random.Next(Alphabet.Length)]);
                }

                var vin = WithCheckDigit(body.ToString());
                return (vin, new EmbeddedValue(type, vin, false));
            }

            case PiiType.Plate:
            {
                var plate = random.Next(5) switch
                {
                    0 => Pick(["M-TB 4711", "m tb 4711", "M TB4711"], random),
                    1 => $"{Pick(Districts, random)}-{Letters(random, random.Next(1, 3))} {random.Next(1, 9999)}",
                    2 => $"{Letters(random, 2)}{random.Next(10, 99)} {Letters(random, 3)}",
                    3 => $"{Letters(random, 2)}-{random.Next(100, 999)}-{Letters(random, 2)}",
                    _ => $"{random.Next(1, 9)}{Letters(random, 3)}{random.Next(100, 999)}",
                };
                return (plate, new EmbeddedValue(type, plate, plate.Contains("4711", StringComparison.Ordinal)));
            }

            case PiiType.Date:
            {
                var known = random.Next(5) == 0;
                var date = known ? new DateOnly(1986, 4, 12) : new DateOnly(random.Next(1940, 2010), random.Next(1, 13), random.Next(1, 29));
                var c = CultureInfo.InvariantCulture;
                var written = random.Next(6) switch
                {
                    0 => date.ToString("d.M.yyyy", c),
                    1 => date.ToString("dd.MM.yyyy", c),
                    2 => date.ToString("yyyy-MM-dd", c),
                    3 => date.ToString("MM/dd/yyyy", c),
                    4 => $"{Months[date.Month - 1]} {date.Day}, {date.Year}",
                    _ => $"{date.Day} {Months[date.Month - 1]} {date.Year}",
                };
                return (written, new EmbeddedValue(type, written, known));
            }

            case PiiType.Account:
            {
                var iban = random.Next(2) == 0 ? Iban("DE", Digits(random, 18, leadingZero: true)) : Iban("GB", Letters(random, 4) + Digits(random, 14, leadingZero: true));
                var written = random.Next(2) == 0 ? iban : string.Join(' ', iban.Chunk(4).Select(c => new string(c)));
                return (written, new EmbeddedValue(type, written, false));
            }

            case PiiType.NationalId:
            {
                // A US social security number (dashes or spaces) or a UK national insurance number.
                const string NinoLetters = "ABCEGHJKLMNPRSTWXYZ";
                var id = random.Next(3) switch
                {
                    0 => $"{random.Next(100, 666)}-{random.Next(10, 99)}-{random.Next(1000, 9999)}",
                    1 => $"{NinoLetters[random.Next(19)]}{NinoLetters[random.Next(19)]} {Digits(random, 2, leadingZero: true)} {Digits(random, 2, leadingZero: true)} {Digits(random, 2, leadingZero: true)} {"ABCD"[random.Next(4)]}",
                    _ => $"{random.Next(100, 666)} {random.Next(10, 99)} {random.Next(1000, 9999)}",
                };
                return (id, new EmbeddedValue(type, id, false));
            }

            default:
            {
                var card = random.Next(4) switch
                {
                    0 => Group(LuhnNumber("4", 16, random), 4, 4, 4, 4),
                    1 => Group(LuhnNumber("5" + random.Next(1, 6), 16, random), 4, 4, 4, 4),
                    2 => Group(LuhnNumber(random.Next(2) == 0 ? "34" : "37", 15, random), 4, 6, 5),
                    _ => LuhnNumber("4", 16, random),
                };
                return (card, new EmbeddedValue(type, card, false));
            }
        }
    }

    private static string Dms(double degrees, char positive, char negative)
    {
        var value = Math.Abs(degrees);
        var whole = (int)value;
        var minutes = (int)((value - whole) * 60);
        var seconds = (((value - whole) * 60) - minutes) * 60;
        return string.Format(CultureInfo.InvariantCulture, "{0}°{1:00}'{2:00.0}\"{3}", whole, minutes, Math.Min(seconds, 59.9), degrees < 0 ? negative : positive);
    }

    private static string Group(string digits, params int[] sizes)
    {
        var parts = new List<string>();
        var at = 0;
        foreach (var size in sizes)
        {
            parts.Add(digits.Substring(at, size));
            at += size;
        }

        return string.Join(' ', parts);
    }

    private static string Pairs(Random random) => string.Join(' ', Enumerable.Range(0, 4).Select(_ => Digits(random, 2, leadingZero: true)));

    /// <summary>Random digits; the first is not 0 unless <paramref name="leadingZero"/>.</summary>
    private static string Digits(Random random, int count, bool leadingZero = false)
    {
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            builder.Append((char)('0' + (i == 0 && !leadingZero ? random.Next(1, 10) : random.Next(10))));
        }

        return builder.ToString();
    }

    private static string Letters(Random random, int count)
    {
        const string Alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ";
        return string.Concat(Enumerable.Range(0, count).Select(_ => Alphabet[random.Next(Alphabet.Length)]));
    }

    private static T Pick<T>(T[] items, Random random) => items[random.Next(items.Length)];

    private static string DigitsOf(string text) => new([.. text.Where(char.IsAsciiDigit)]);

    private static bool ContainsWord(string haystack, string value)
    {
        for (var at = haystack.IndexOf(value, StringComparison.OrdinalIgnoreCase); at >= 0; at = haystack.IndexOf(value, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 || !char.IsLetterOrDigit(haystack[at - 1]);
            var end = at + value.Length;
            var after = end == haystack.Length || !char.IsLetterOrDigit(haystack[end]);
            if (before && after)
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"[+(]?\d[\d\s().\-/]*")]
    private static partial Regex NumberRun();

    [GeneratedRegex(@"<[A-Z]+_\d+>")]
    private static partial Regex Placeholder();
}
