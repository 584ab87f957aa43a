using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// One compiled pattern for every personal value in a profile: names (also possessive and plural
/// forms, any case), nicknames that name a person, addresses, e-mails, the owner's VIN, plates and
/// date of birth (common written forms), and phone numbers in any formatting (matched on their
/// last seven digits with any separators, with whatever prefix digits come before). E-mail
/// addresses match as spoken too ("maria dot schneider at example dot com"). The redactor uses
/// it first; the egress guard uses it as the final check. Texts are matched in their
/// <see cref="MatchText"/> form, so the profile's values are normalised the same way. Kinship words
/// ("mom") and single names that are everyday words ("Will", "May") are not identifying on their
/// own: the former are skipped, the latter match when capitalised, or in any case right after a
/// verb that takes a person ("call will", "text rose", "meet with mark").
/// </summary>
internal sealed class KnownValues
{
    private static readonly HashSet<string> Kinship = new(StringComparer.OrdinalIgnoreCase)
    {
        "mom", "mum", "mother", "mama", "mommy", "dad", "father", "papa", "daddy", "wife", "husband", "partner", "son", "daughter",
        "brother", "sister", "grandma", "grandpa", "granny", "grandmother", "grandfather", "nana", "aunt", "uncle", "boss",
        "babe", "honey", "home", "work", "the office", "office", "doctor", "the doctor", "dentist", "the dentist",
    };

    // Single names that are also common words: matched only when written with a capital.
    private static readonly HashSet<string> CommonWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "will", "may", "june", "april", "august", "rose", "mark", "bill", "grace", "hope", "joy", "faith", "sky", "dawn", "guy",
        "art", "pat", "sue", "rob", "jack", "frank", "drew", "chase", "summer", "autumn", "winter", "amber", "ruby", "pearl",
        "page", "hunter", "mason", "cash", "king", "long", "young", "brown", "white", "green", "black", "gray", "grey", "love",
        "bell", "hill", "wood", "stone", "lane", "price", "rich", "hall", "ward", "cook", "baker", "smith", "miller", "may's",
        "max", "iris", "lily", "violet", "destiny", "harmony", "melody", "ray", "don", "al", "ed", "ben", "dean", "glen",
        "sunny", "storm", "river", "brook", "ivy", "holly", "penny", "angel", "major", "sterling", "reed", "fox", "wolf",
    };

    private readonly Regex? _caseless;
    private readonly Regex? _capitalised;
    private readonly Regex? _cued;
    private readonly List<PiiType> _caselessTypes;
    private readonly List<PiiType> _capitalisedTypes;
    private readonly List<PiiType> _cuedTypes;
    private readonly Regex? _phones;
    private readonly List<List<string>> _phoneHeads;

    public KnownValues(ProfileData profile)
    {
        var caseless = new List<string>();
        var capitalised = new List<string>();
        var cued = new List<string>();
        var phones = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<PiiType> caselessTypes = [];
        List<PiiType> capitalisedTypes = [];
        List<PiiType> cuedTypes = [];
        void Name(string? name)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                return;
            }

            name = MatchText.Normalize(name);

            var parts = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Add(caseless, caselessTypes, PiiType.Person, WordsPattern(name) + Inflection);
            foreach (var part in parts.Where(p => p.Length >= 3 && !Kinship.Contains(p)))
            {
                if (CommonWords.Contains(part))
                {
                    Add(capitalised, capitalisedTypes, PiiType.Person, Regex.Escape(part) + Inflection);
                    Add(cued, cuedTypes, PiiType.Person, Regex.Escape(part) + Inflection);
                }
                else
                {
                    Add(caseless, caselessTypes, PiiType.Person, Regex.Escape(part) + Inflection);
                }
            }
        }

        void Phone(string phone)
        {
            var digits = new string([.. MatchText.Normalize(phone).Where(char.IsAsciiDigit)]);
            if (digits.Length >= 7)
            {
                // Matched on the last seven digits; the digits written before them are checked in code
                // (see Matches): one short pattern per number keeps the alternation cheap.
                var last = digits[^7..];
                if (!phones.TryGetValue(last, out var heads))
                {
                    phones[last] = heads = [];
                }

                heads.Add(digits[..^7]);
            }
        }

        void Literal(PiiType type, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value) && value.Trim().Length >= 3)
            {
                Add(caseless, caselessTypes, type, WordsPattern(MatchText.Normalize(value)));
            }
        }

        void Email(string value)
        {
            value = MatchText.Normalize(value.Trim());
            if (value.Length >= 3)
            {
                var pattern = new StringBuilder();
                foreach (var c in value)
                {
                    pattern.Append(c switch
                    {
                        '.' => @"(?:\.|\s+dot\s+)",
                        '@' => @"(?:@|\s+at\s+)",
                        _ => Regex.Escape(c.ToString()),
                    });
                }

                Add(caseless, caselessTypes, PiiType.Email, pattern.ToString());
            }
        }

        var owner = profile.Owner;
        Name(owner.Name);
        owner.Phones.ToList().ForEach(Phone);
        owner.Emails.ToList().ForEach(Email);
        Literal(PiiType.Vin, owner.Vin);
        owner.Plates.ToList().ForEach(p => Add(caseless, caselessTypes, PiiType.Plate, PlatePattern(MatchText.Normalize(p))));
        foreach (var date in DateForms(owner.DateOfBirth))
        {
            Literal(PiiType.Date, date);
        }

        foreach (var contact in profile.Contacts)
        {
            Name(contact.Name);
            foreach (var nickname in contact.Nicknames.Where(n => !Kinship.Contains(ProfileSnapshot.Normalize(n))))
            {
                Name(nickname);
            }

            contact.Phones.ToList().ForEach(Phone);
            contact.Emails.ToList().ForEach(Email);
        }

        foreach (var place in profile.Places)
        {
            Literal(PiiType.Address, place.Address);
            // The street part alone ("12 Leopoldstrasse") identifies the place too.
            var comma = place.Address.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0)
            {
                Literal(PiiType.Address, place.Address[..comma]);
            }
        }

        // Alternation takes the first alternative that matches: longer values first ("Anna Lee" before "Anna").
        (_caseless, _caselessTypes) = Compile(caseless, caselessTypes, RegexOptions.IgnoreCase, NotInAWord);
        (_capitalised, _capitalisedTypes) = Compile(capitalised, capitalisedTypes, RegexOptions.None, NotInAWord);
        (_cued, _cuedTypes) = Compile(cued, cuedTypes, RegexOptions.IgnoreCase, AfterAPersonVerb);
        _phoneHeads = [.. phones.Values];
        if (phones.Count > 0)
        {
            // Digits may come before the seven (a prefix, checked in Matches); letters may not.
            var alternatives = phones.Keys.Select(last => "(" + string.Join(Separator, last.Select(c => c.ToString())) + ")");
            _phones = new Regex(@"(?<!\p{L})(?:" + string.Join('|', alternatives) + @")(?![\p{L}\p{N}])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Whether there is anything to look for.</summary>
    public bool IsEmpty => _caseless is null && _capitalised is null && _phones is null;

    private static string NotInAWord => @"(?<![\p{L}\p{N}])";

    private static string AfterAPersonVerb => @"(?<=\b(?:call|phone|ring|text|message|email|e-mail|mail|tell|ask|remind|meet|visit|invite|thank|dial|with)\s+)";

    private static string Inflection => @"(?:'s|’s|s'|'|es|s)?";

    private static string Separator => @"[\s().\-/]*";

    /// <summary>Every match, as spans of the text (in its <see cref="MatchText"/> form).</summary>
    public IEnumerable<(int Start, int Length, PiiType Type)> Matches(string text)
    {
        foreach (var (regex, types) in new[] { (_caseless, _caselessTypes), (_capitalised, _capitalisedTypes), (_cued, _cuedTypes) })
        {
            if (regex is null)
            {
                continue;
            }

            for (var match = regex.Match(text); match.Success; match = match.NextMatch())
            {
                for (var i = 0; i < types.Count; i++)
                {
                    if (match.Groups[i + 1].Success)
                    {
                        yield return (match.Index, match.Length, types[i]);
                        break;
                    }
                }
            }
        }

        if (_phones is null)
        {
            yield break;
        }

        for (var match = _phones.Match(text); match.Success; match = match.NextMatch())
        {
            var group = 0;
            while (!match.Groups[group + 1].Success)
            {
                group++;
            }

            if (PhoneStart(text, match.Index, _phoneHeads[group]) is { } start)
            {
                yield return (start, match.Index + match.Length - start, PiiType.Phone);
            }
        }
    }

    /// <summary>
    /// Where a known number whose last seven digits start at <paramref name="index"/> starts: the
    /// digits written before them ("+49 89 ", "089 ", "0049 89 ") must be a tail of the number's own
    /// leading digits, after an international "+"/"00" or a trunk "0"; otherwise the seven digits
    /// are the end of another number and null is returned.
    /// </summary>
    private static int? PhoneStart(string text, int index, List<string> heads)
    {
        var start = index;
        var digits = new StringBuilder();
        for (var i = index - 1; i >= 0; i--)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                digits.Insert(0, c);
                start = i;
            }
            else if (c is '+' or '(')
            {
                start = i;
            }
            else if (c is not (' ' or '\t' or '.' or '-' or '/' or ')'))
            {
                if (char.IsLetterOrDigit(c) && start == i + 1 && digits.Length > 0)
                {
                    return null; // a letter touches the digits before: they are part of a word
                }

                break;
            }
        }

        if (digits.Length == 0)
        {
            return index;
        }

        var written = digits.ToString().TrimStart('0');
        return heads.Exists(h => h.EndsWith(written, StringComparison.Ordinal)) ? start : null;
    }

    /// <summary>
    /// The type of the first known value in <paramref name="text"/>, or null: the egress guard's
    /// check, on the normalised text and on it with spoken digits written as digits.
    /// </summary>
    public PiiType? FindAny(string text)
    {
        var normal = MatchText.Of(text).Text;
        var spoken = SpokenNumber.ToDigits(normal);
        foreach (var form in ReferenceEquals(spoken, normal) ? [normal] : new[] { normal, spoken })
        {
            foreach (var (_, _, type) in Matches(form))
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>"2024-05-14" → the ISO, European, American and spelled-out forms of the date.</summary>
    internal static IEnumerable<string> DateForms(string? iso)
    {
        if (iso is null || !DateOnly.TryParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            yield break;
        }

        var c = CultureInfo.InvariantCulture;
        foreach (var format in new[] { "yyyy-MM-dd", "dd.MM.yyyy", "d.M.yyyy", "MM/dd/yyyy", "M/d/yyyy", "dd/MM/yyyy", "d/M/yyyy", "MMMM d, yyyy", "MMMM d yyyy", "d MMMM yyyy", "MMM d, yyyy", "d MMM yyyy" })
        {
            yield return date.ToString(format, c);
        }
    }

    private static void Add(List<string> patterns, List<PiiType> types, PiiType type, string pattern)
    {
        patterns.Add(pattern);
        types.Add(type);
    }

    /// <summary>The value's words with any whitespace or punctuation run between them.</summary>
    private static string WordsPattern(string value)
    {
        var words = value.Split([' ', '\t', ',', '.'], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(@"[\s,.]+", words.Select(Regex.Escape));
    }

    private static string PlatePattern(string plate)
    {
        var chars = plate.Where(char.IsLetterOrDigit).Select(c => Regex.Escape(c.ToString()));
        return string.Join(@"[\s\-]?", chars);
    }

    private static (Regex? Regex, List<PiiType> Types) Compile(List<string> patterns, List<PiiType> types, RegexOptions options, string before)
    {
        if (patterns.Count == 0)
        {
            return (null, types);
        }

        var order = Enumerable.Range(0, patterns.Count).OrderByDescending(i => patterns[i].Length).ToList();
        patterns = [.. order.Select(i => patterns[i])];
        types = [.. order.Select(i => types[i])];
        var builder = new StringBuilder(before).Append("(?:");
        for (var i = 0; i < patterns.Count; i++)
        {
            builder.Append(i == 0 ? "(" : "|(").Append(patterns[i]).Append(')');
        }

        builder.Append(@")(?![\p{L}\p{N}])");
        return (new Regex(builder.ToString(), options | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), types);
    }
}
