using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// Replaces personal data in a cloud-bound text by typed placeholders (<c>&lt;PHONE_1&gt;</c>):
/// the profile's known values first, then structured data found by pattern and validated (e-mail
/// addresses, payment cards with the Luhn check, VINs with their check digit, decimal and
/// degrees-minutes-seconds coordinates, phone numbers, licence plates by country, street
/// addresses, dates of birth after a cue such as "born on"). Overlaps keep the leftmost, then the
/// longest span, extended over any span that starts inside it and ends after it. The same value
/// gets the same placeholder within a query. Thread-safe.
/// </summary>
public sealed partial class Redactor
{
    private readonly Regex? _plates;

    /// <summary>A redactor with the given plate patterns.</summary>
    public Redactor(PrivacyOptions? options = null)
    {
        var plates = (options ?? new PrivacyOptions()).Plates.Values.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        if (plates.Count > 0)
        {
            _plates = new Regex(
                @"(?<![\p{L}\p{N}])(?:" + string.Join('|', plates.Select(p => "(?:" + p + ")")) + @")(?![\p{L}\p{N}])",
                RegexOptions.CultureInvariant | RegexOptions.Compiled,
                TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Redacts <paramref name="text"/> with what <paramref name="profile"/> knows.</summary>
    public Redaction Redact(string text, ProfileSnapshot profile)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(profile);
        var merged = Merge(Find(text, profile));
        // A replacement can make a word of what was not one ("4111 1111 1111 1111Will" becomes
        // "<CARD_1>Will"): the text as it would leave is searched again, and what is found in the
        // parts copied from the question is added, until nothing new turns up.
        for (var round = 0; round < 3 && merged.Count > 0 && merged.Exists(span => Glued(text, span)); round++)
        {
            var (laidOut, origins) = LayOut(text, merged);
            List<Span> more = [];
            foreach (var span in Find(laidOut, profile))
            {
                if (origins[span.Start] >= 0 && origins[span.Start + span.Length - 1] >= 0
                    && origins[span.Start + span.Length - 1] - origins[span.Start] == span.Length - 1)
                {
                    more.Add(span with { Start = origins[span.Start] });
                }
            }

            if (more.Count == 0)
            {
                break;
            }

            merged = Merge([.. merged, .. more]);
        }

        if (merged.Count == 0)
        {
            return new Redaction(text, [], new Dictionary<string, string>());
        }

        var builder = new StringBuilder(text.Length);
        var entities = new List<RedactedEntity>();
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var byValue = new Dictionary<(PiiType, string), string>();
        var counts = new int[Enum.GetValues<PiiType>().Length];
        var position = 0;
        foreach (var span in merged)
        {
            var value = text.Substring(span.Start, span.Length);
            var key = (span.Type, Canonical(span.Type, MatchText.Normalize(value)));
            if (!byValue.TryGetValue(key, out var placeholder))
            {
                placeholder = $"<{span.Type.ToPlaceholderName()}_{++counts[(int)span.Type]}>";
                byValue[key] = placeholder;
                values[placeholder] = [];
            }

            values[placeholder].Add(value);

            builder.Append(text, position, span.Start - position).Append(placeholder);
            entities.Add(new RedactedEntity(span.Type, placeholder));
            position = span.Start + span.Length;
        }

        builder.Append(text, position, text.Length - position);
        // Mentions all written alike keep one form.
        foreach (var forms in values.Values.Where(f => f.TrueForAll(v => v == f[0])))
        {
            forms.RemoveRange(1, forms.Count - 1);
        }

        return new Redaction(builder.ToString(), entities, values);
    }

    /// <summary>Every span of personal data in <paramref name="text"/>, in its coordinates, unsorted.</summary>
    private List<Span> Find(string text, ProfileSnapshot profile)
    {
        // Patterns see the normalised text; the spans they find are replaced in the original.
        var normal = MatchText.Of(text);
        var match = normal.Text;
        var found = new List<Span>();
        if (!profile.Known.IsEmpty)
        {
            foreach (var (start, length, type) in profile.Known.Matches(match))
            {
                found.Add(new Span(start, length, type, 0));
            }
        }

        // Text that already looks like a placeholder ("[PHONE_2]") is replaced too, by a placeholder
        // of this query that stands for it: otherwise restoring the answer would turn the driver's
        // own words into a value or "that number".
        foreach (Match literal in Redaction.Placeholder().Matches(match))
        {
            if (PiiTypeNames.TryParse(literal.Groups["type"].Value, out var type))
            {
                found.Add(new Span(literal.Index, literal.Length, type, 0));
            }
        }

        Collect(found, match, Email(), PiiType.Email, null);
        Collect(found, match, SpokenEmail(), PiiType.Email, m => !NotAMailbox.Contains(m.Groups["local"].Value));
        Collect(found, match, Card(), PiiType.Card, m => PiiRules.Luhn(m.ValueSpan) && Digits(m.ValueSpan) is >= 13 and <= 19);
        Collect(found, match, Iban(), PiiType.Account, m => PiiRules.Iban(m.ValueSpan));
        CollectGroup(found, match, AccountNumber(), PiiType.Account);
        Collect(found, match, Ssn(), PiiType.NationalId, m => PiiRules.Ssn(m.ValueSpan), priority: 0);
        Collect(found, match, NationalInsurance(), PiiType.NationalId, null, priority: 0);
        CollectGroup(found, match, NamedIdentityNumber(), PiiType.NationalId);
        Collect(found, match, Vin(), PiiType.Vin, m => PiiRules.LooksLikeVin(m.ValueSpan));
        Collect(found, match, DecimalCoordinates(), PiiType.Location, ValidCoordinates);
        Collect(found, match, DmsCoordinates(), PiiType.Location, null);
        Collect(found, match, Phone(), PiiType.Phone, m => LooksLikePhone(m, match));
        foreach (Match spoken in SpokenDigits().Matches(match))
        {
            if (SpokenNumber.TryRead(spoken.Value, out var digits) && digits.Length is >= 7 and <= 19 && spoken.Value.Any(char.IsLetter))
            {
                var type = digits.Length >= 13 && PiiRules.Luhn(digits) ? PiiType.Card : PiiType.Phone;
                found.Add(new Span(spoken.Index, spoken.Length, type, 1));
            }
        }

        if (_plates is not null)
        {
            Collect(found, match, _plates, PiiType.Plate, m => HasLetter(m.ValueSpan) && m.ValueSpan.ContainsAnyInRange('0', '9'));
        }

        Collect(found, match, StreetAddress(), PiiType.Address, null);
        Collect(found, match, GermanAddress(), PiiType.Address, null);
        CollectGroup(found, match, BirthDate(), PiiType.Date, priority: 2);

        var spans = new List<Span>(found.Count);
        foreach (var span in found)
        {
            var (start, length) = normal.ToOriginal(span.Start, span.Length);
            spans.Add(span with { Start = start, Length = length });
        }

        return spans;
    }

    /// <summary>Leftmost first, then longest; a span starting inside another and ending after it extends it.</summary>
    private static List<Span> Merge(List<Span> spans)
    {
        // Leftmost first; at the same start the longest; then profile values before patterns.
        spans.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Length != b.Length ? b.Length.CompareTo(a.Length) : a.Priority.CompareTo(b.Priority));
        // A span that starts inside the one before it but ends after it extends that one: dropping it
        // would leave its tail in the text ("2 sons of Lane Kowalski": the street pattern takes
        // "2 sons of Lane", and the contact's surname must not stay behind).
        var merged = new List<Span>(spans.Count);
        foreach (var span in spans)
        {
            if (merged.Count > 0 && span.Start < merged[^1].Start + merged[^1].Length)
            {
                var last = merged[^1];
                merged[^1] = last with { Length = Math.Max(last.Length, span.Start + span.Length - last.Start) };
                continue;
            }

            merged.Add(span);
        }

        return merged;
    }

    /// <summary>
    /// Whether the span's neighbourhood can change meaning once it is a placeholder: a letter or
    /// digit touches it, or a separator and then a digit (a digit run the span cut in two).
    /// Only then is the laid-out text searched again.
    /// </summary>
    private static bool Glued(string text, Span span) => Touches(text, span.Start - 1, -1) || Touches(text, span.Start + span.Length, 1);

    private static bool Touches(string text, int at, int step)
    {
        // Matching runs on the folded text, where format characters and nonspacing marks are
        // gone: "MARIA\u2060" + a card touches the card there.
        while (at >= 0 && at < text.Length && char.GetUnicodeCategory(text[at]) is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark)
        {
            at += step;
        }

        return at >= 0 && at < text.Length
            && (char.IsLetterOrDigit(text[at])
                || (text[at] is ' ' or '-' or '.' or '/' or '(' or ')' or ',' && at + step >= 0 && at + step < text.Length && char.IsDigit(text[at + step])));
    }

    /// <summary>The text as it would leave (each span a placeholder), and for each of its characters the original position it was copied from (-1: a placeholder's).</summary>
    private static (string Text, int[] Origins) LayOut(string text, List<Span> merged)
    {
        var builder = new StringBuilder(text.Length);
        var origins = new List<int>(text.Length);
        var position = 0;
        void Copy(int end)
        {
            builder.Append(text, position, end - position);
            for (var i = position; i < end; i++)
            {
                origins.Add(i);
            }
        }

        foreach (var span in merged)
        {
            Copy(span.Start);
            var placeholder = $"<{span.Type.ToPlaceholderName()}_1>";
            builder.Append(placeholder);
            origins.AddRange(Enumerable.Repeat(-1, placeholder.Length));
            position = span.Start + span.Length;
        }

        Copy(text.Length);
        return (builder.ToString(), [.. origins]);
    }

    private static void Collect(List<Span> spans, string text, Regex regex, PiiType type, Func<Match, bool>? valid, int priority = 1)
    {
        for (var match = regex.Match(text); match.Success; match = match.NextMatch())
        {
            if (valid is null || valid(match))
            {
                spans.Add(new Span(match.Index, match.Length, type, priority));
            }
        }
    }

    /// <summary>The group "v" of every match: the value after a cue ("account number 123...").</summary>
    private static void CollectGroup(List<Span> spans, string text, Regex regex, PiiType type, int priority = 1)
    {
        for (var match = regex.Match(text); match.Success; match = match.NextMatch())
        {
            var value = match.Groups["v"];
            spans.Add(new Span(value.Index, value.Length, type, priority));
        }
    }

    /// <summary>The form two mentions of one value share: digits for numbers, lower case otherwise.</summary>
    private static string Canonical(PiiType type, string value) => type is PiiType.Phone or PiiType.Card
        ? new string([.. value.Where(char.IsAsciiDigit)])
        : string.Join(' ', value.ToLowerInvariant().Replace('’', '\'').Split([' ', ',', '.', '-'], StringSplitOptions.RemoveEmptyEntries)).Replace("'s", string.Empty, StringComparison.Ordinal).Replace("'", string.Empty, StringComparison.Ordinal);

    private static int Digits(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                count++;
            }
        }

        return count;
    }

    private static bool HasLetter(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsLetter(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ValidCoordinates(Match match)
    {
        var latitude = double.Parse(match.Groups["lat"].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture);
        var longitude = double.Parse(match.Groups["lon"].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture);
        return Math.Abs(latitude) <= 90 && Math.Abs(longitude) <= 180;
    }

    /// <summary>7-15 digits, not a date, a decimal number, a range of years, a term of a sum or a measurement.</summary>
    private static bool LooksLikePhone(Match match, string text)
    {
        var value = match.ValueSpan;
        var digits = Digits(value);
        if (digits is < 7 or > 15)
        {
            return false;
        }

        // An international prefix ("+", or "00" and a country code) or an area code in brackets says phone.
        if (value[0] == '+' || (value.StartsWith("00") && value.Length > 2 && value[2] is >= '1' and <= '9') || value.Contains('('))
        {
            return true;
        }

        return !NotPhone().IsMatch(match.Value)
            && !ArithmeticBefore().IsMatch(text.AsSpan(0, match.Index))
            && !ArithmeticOrUnitAfter().IsMatch(text.AsSpan(match.Index + match.Length));
    }

    // Words before "at" in a spoken address that say where, not whose ("look at amazon dot com").
    private static readonly HashSet<string> NotAMailbox = new(StringComparer.OrdinalIgnoreCase)
    {
        "look", "looking", "is", "are", "was", "were", "be", "me", "us", "it", "that", "this", "what", "who", "there", "here",
        "available", "sold", "buy", "bought", "shop", "order", "ordered", "located", "found", "listed", "posted", "online",
        "news", "deals", "prices", "price", "stuff", "things", "them", "him", "her", "you", "we", "they", "meet", "go", "arrive",
        "stay", "stop", "eat", "book", "booked", "check", "read", "see", "site", "website", "page", "open", "hosted", "live",
    };

    // A recogniser writes the dots of a spoken address as words ("joe@aol dot com"): the "@" keeps that form unambiguous.
    [GeneratedRegex(@"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:(?:\.|\s+dot\s+)[A-Za-z0-9-]+)*(?:\.|\s+dot\s+)[A-Za-z]{2,}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    // As a recogniser writes an address it heard: "john dot smith at mail dot com".
    [GeneratedRegex(@"(?<![\w.@-])(?<local>[a-z0-9][a-z0-9_%+-]*)(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9][a-z0-9_%+-]*)*\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:com|org|net|edu|gov|mil|int|info|biz|io|co|me|eu|[a-z]{2})(?![\w-])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SpokenEmail();

    [GeneratedRegex(@"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex Card();

    // ISO 13616: country, two check digits, then up to 30 letters and digits, in groups of four or in one run.
    [GeneratedRegex(@"(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,3})?(?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    private static partial Regex Iban();

    [GeneratedRegex(@"\b(?:bank\s+)?(?:account|acct|a/c)\s*(?:number|no\.?|nr\.?|#)?\s*(?:is\s+|:\s*)?(?<v>\d[\d \-]{4,22}\d)(?!\d)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AccountNumber();

    [GeneratedRegex(@"(?<![\d-])\d{3}(?<sep>[- ])\d{2}\k<sep>\d{4}(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex Ssn();

    // A UK national insurance number: two letters (not D, F, I, Q, U, V; no O second), six digits, A-D.
    [GeneratedRegex(@"(?<![\p{L}\p{N}])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    private static partial Regex NationalInsurance();

    // Any number named as an identity number: one token with a digit after the name.
    [GeneratedRegex(@"\b(?:social\s+security|national\s+insurance|passport|identity\s+card|id\s+card|national\s+id|tax\s+id|tax\s+identification|driver'?s\s+licen[cs]e|personal\s+id(?:entification)?)\s*(?:number|no\.?|nr\.?|#)?\s*(?:is\s+|:\s*)?(?<v>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{4,19})(?![\w-])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex NamedIdentityNumber();

    // Digits as a recogniser writes them when spoken one by one ("four one five, five five five ..."), digits mixed in.
    [GeneratedRegex(@"(?<![\p{L}\p{N}])(?:plus\s+)?(?:(?:double|triple)\s+)?(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d{1,4})(?:[\s,.\-]+(?:(?:double|triple)\s+)?(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d{1,4})){3,}(?![\p{L}\p{N}])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SpokenDigits();

    [GeneratedRegex(@"(?:[+*/×÷=]|\b(?:x|plus|minus|times|divided\s+by|multiplied\s+by))\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ArithmeticBefore();

    [GeneratedRegex(@"^\s*(?:[+*/×÷=%^]|(?:x|plus|minus|times|divided|multiplied|squared|cubed|percent|km|kilomet(?:er|re)s?|miles?|mi|m|met(?:er|re)s?|kg|kilo(?:gram)?s?|lbs?|pounds|tons?|tonnes?|feet|ft|years?|light[\s-]years?|dollars?|euros?|usd|eur|people|inhabitants|bytes?|kb|mb|gb|hz|mph|km/h|kmh)\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ArithmeticOrUnitAfter();

    [GeneratedRegex(@"(?<![\p{L}\p{N}])[A-HJ-NPR-Za-hj-npr-z0-9]{17}(?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    private static partial Regex Vin();

    [GeneratedRegex(@"(?<![\w.])(?<lat>[-+]?\d{1,2}\.\d{3,})\s*°?\s*(?<ns>[NSns])?\s*[,;/ ]\s*(?<lon>[-+]?\d{1,3}\.\d{3,})\s*°?\s*(?<ew>[EWOew])?(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalCoordinates();

    [GeneratedRegex(@"\d{1,3}\s*°\s*\d{1,2}\s*['′]\s*(?:\d{1,2}(?:[.,]\d+)?\s*(?:""|″|''))?\s*[NSEWnsew](?:[\s,;]*\d{1,3}\s*°\s*\d{1,2}\s*['′]\s*(?:\d{1,2}(?:[.,]\d+)?\s*(?:""|″|''))?\s*[NSEWnsew])?", RegexOptions.CultureInvariant)]
    private static partial Regex DmsCoordinates();

    // International prefix, area code in brackets, groups of digits with separators; or 10-15 digits in one run.
    // After an international prefix the first group may be a single digit (+33 6 12 34 56 78, +81 3-1234-5678):
    // the whole number, prefix included, must go.
    [GeneratedRegex(@"(?<![\w+])(?:(?:(?:\+|00)\d{1,3}[\s.\-]?(?:\(\d{1,5}\)[\s.\-]?|\(0\)[\s.\-]?)?\d{1,6}|(?:\(\d{1,5}\)[\s.\-]?|\(0\)[\s.\-]?)?\d{2,6})(?:[\s.\-/]\d{2,8}){0,4}|(?:\+|00)\d{7,15}|\d{10,15})(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();

    // Dates (14.05.1990, 2024-05-14, 05/14/1990), decimals (3.14159), ranges of years (1990-2000), times.
    [GeneratedRegex(@"^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d+\.\d+|(?:1\d|20)\d{2}\s*-\s*(?:1\d|20)\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex NotPhone();

    // The city and the state code after the street are matched case-sensitively and as whole words
    // (under IgnoreCase "[A-Z]{2}" took the first two letters of any next word: "221 baker street nice" left "ce").
    [GeneratedRegex(@"(?<![\p{L}\p{N}])\d{1,5}[A-Za-z]?\s+(?:[\p{L}][\p{L}'.\-]*\s+){1,4}?(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|terrace|parkway|pkwy|highway|hwy|square|sq|circle|cir|crescent|close)\b\.?(?:,?\s+(?:apt|apartment|suite|unit|#)\s*\w+)?(?-i:,\s*\p{Lu}\p{L}+(?:\s\p{Lu}\p{L}+)?)?(?-i:,?\s*[A-Z]{2}(?![\p{L}\p{N}]))?(?:\s*\d{5}(?:-\d{4})?(?!\d))?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex StreetAddress();

    [GeneratedRegex(@"(?<![\p{L}\p{N}])[\p{L}\-]+(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)\s+\d{1,4}[a-z]?(?:,\s*\d{5}\s+[\p{Lu}][\p{L}\-]+)?(?![\p{L}\p{N}])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex GermanAddress();

    [GeneratedRegex(@"(?:\bborn(?:\s+on)?|\bbirthday(?:\s+is)?|\bdate\s+of\s+birth(?:\s+is)?|\bd\.?o\.?b\.?:?|\bbirth\s?date(?:\s+is)?)\s*(?:is\s+|on\s+|:\s*)?(?<v>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BirthDate();

    private readonly record struct Span(int Start, int Length, PiiType Type, int Priority);
}

/// <summary>One replaced value (the value itself stays in <see cref="Redaction"/>'s private map).</summary>
/// <param name="Type">What it was.</param>
/// <param name="Placeholder">What replaced it.</param>
public sealed record RedactedEntity(PiiType Type, string Placeholder);
