using System.Globalization;
using Vehicle.Runtime.Catalog;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// Fills an intent's slots from the utterance with the catalog's vocabularies: digit strings
/// first (a phone number is not a temperature), then enum phrases (leftmost, longest), then number
/// phrases and numbers, then text spans cut by carrier patterns; defaults and inferences last.
/// Everything it knows comes from the catalog, so an OEM's new slot value needs no code.
/// </summary>
internal static class SlotExtractor
{
    private static readonly string[][] TrailingFillers =
    [
        ["please"], ["now"], ["right", "now"], ["thanks"], ["thank", "you"], ["for", "me"], ["at"], ["on"],
        ["number"], ["asap"], ["quickly"], ["real", "quick"], ["for", "us"], ["again"], ["instead"],
    ];

    public static SlotResult Extract(IntentDefinition intent, Utterance utterance, Seat speaker)
    {
        var slots = new List<KeyValuePair<string, SlotValue>>(intent.Slots.Count);
        List<string>? missing = null;
        if (intent.Slots.Count == 0)
        {
            return new SlotResult(slots, []);
        }

        var tokens = utterance.Tokens;
        var consumed = new bool[tokens.Length];
        var found = new SlotValue?[intent.Slots.Count];
        var textLimit = tokens.Length;
        var textEnds = new int[intent.Slots.Count];

        for (var pass = 0; pass < 4; pass++)
        {
            for (var s = 0; s < intent.Slots.Count; s++)
            {
                var slot = intent.Slots[s];
                switch (slot.Kind, pass)
                {
                    case (SlotKind.Digits, 0):
                        if (NumberParser.FindDigitRun(tokens, 3) is { } run)
                        {
                            found[s] = SlotValue.Of(run.Digits);
                            Mark(consumed, run.Start, run.Length);
                            textLimit = Math.Min(textLimit, run.Start);
                        }

                        break;
                    case (SlotKind.Enum, 1):
                        if (FindPhrase(slot.Phrases, tokens, consumed) is var (enumValue, start, length))
                        {
                            found[s] = SlotValue.Of(enumValue);
                            Mark(consumed, start, length);
                        }

                        break;
                    case (SlotKind.Number, 2):
                        found[s] = FindNumber(slot, tokens, consumed);
                        break;
                    case (SlotKind.Text, 3):
                        (found[s], textEnds[s]) = FindText(slot, utterance, textLimit);
                        if (found[s] is null && slot.RestAfter is not null)
                        {
                            found[s] = RestAfter(utterance.Clean, textEnds[IndexOf(intent.Slots, slot.RestAfter)]);
                        }

                        break;
                }
            }
        }

        for (var s = 0; s < intent.Slots.Count; s++)
        {
            var slot = intent.Slots[s];
            var value = found[s] ?? DefaultOf(slot, speaker, found, intent.Slots);
            if (value is { } v)
            {
                slots.Add(new KeyValuePair<string, SlotValue>(slot.Name, v));
            }
            else if (slot.Required)
            {
                (missing ??= []).Add(slot.Name);
            }
        }

        return new SlotResult(slots, missing ?? (IReadOnlyList<string>)[]);
    }

    private static SlotValue? DefaultOf(SlotDefinition slot, Seat speaker, SlotValue?[] found, IReadOnlyList<SlotDefinition> all)
    {
        if (slot.Infer is { } infer)
        {
            for (var i = 0; i < all.Count; i++)
            {
                if (all[i].Name == infer.FromSlot && found[i]?.Number is { } n && n > infer.Above)
                {
                    return SlotValue.Of(infer.Value);
                }
            }
        }

        if (slot.DefaultFromSpeaker && slot.SpeakerMap.TryGetValue(speaker.ToContractName(), out var seatValue))
        {
            return SlotValue.Of(seatValue);
        }

        if (slot.Default is null)
        {
            return null;
        }

        return slot.Kind == SlotKind.Number && double.TryParse(slot.Default, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? SlotValue.Of(number)
            : SlotValue.Of(slot.Default);
    }

    private static SlotValue? FindNumber(SlotDefinition slot, Token[] tokens, bool[] consumed)
    {
        // A phrase with a value ("halfway", "max") wins over a bare number it may contain.
        var best = (Value: 0.0, Start: -1, Length: 0);
        foreach (var word in slot.Words)
        {
            var at = IndexOf(tokens, consumed, word.Tokens, 0);
            if (at >= 0 && (best.Start < 0 || at < best.Start || (at == best.Start && word.Tokens.Length > best.Length)))
            {
                best = (word.Value, at, word.Tokens.Length);
            }
        }

        if (best.Start >= 0)
        {
            Mark(consumed, best.Start, best.Length);
            return SlotValue.Of(best.Value);
        }

        var numbers = NumberParser.FindNumbers(tokens, consumed);
        if (numbers.Count == 0)
        {
            return null;
        }

        var number = numbers[0];
        Mark(consumed, number.Start, number.Length);
        return SlotValue.Of(number.Value);
    }

    private static int IndexOf(IReadOnlyList<SlotDefinition> slots, string name)
    {
        for (var i = 0; i < slots.Count; i++)
        {
            if (slots[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The words after another slot's span ("happy birthday" after "Tom"); none if nothing follows.</summary>
    private static SlotValue? RestAfter(string clean, int end)
    {
        if (end <= 0 || end >= clean.Length)
        {
            return null;
        }

        var rest = clean[end..].Trim().Trim(',', ':', ';', '.', '!', '"').Trim();
        return rest.Length > 0 ? SlotValue.Of(rest) : null;
    }

    /// <summary>A text span by the slot's carrier patterns, and the end of the span in the text (0 when none).</summary>
    private static (SlotValue? Value, int End) FindText(SlotDefinition slot, Utterance utterance, int tokenLimit)
    {
        var tokens = utterance.Tokens;
        var charLimit = tokenLimit < tokens.Length ? tokens[tokenLimit].Start : utterance.Lower.Length;
        var lower = utterance.Lower[..charLimit];
        foreach (var pattern in slot.Patterns)
        {
            var match = pattern.Match(lower);
            if (!match.Success)
            {
                continue;
            }

            var group = match.Groups["v"];

            // A span ends at a clause break: "work, fastest route please" is "work".
            var length = group.Length;
            var brk = lower.AsSpan(group.Index, length).IndexOfAny(",;!?");
            if (brk >= 0)
            {
                length = brk;
            }

            var span = Utterance.Tokenize(lower.Substring(group.Index, length));
            var first = 0;
            var last = span.Length;

            // Strip leading carrier words ("me some jazz" -> "jazz") and trailing fillers ("please").
            for (var changed = true; changed && first < last;)
            {
                changed = false;
                foreach (var strip in slot.Strip)
                {
                    if (StartsWith(span, first, last, strip))
                    {
                        first += strip.Length;
                        changed = true;
                    }
                }
            }

            for (var changed = true; changed && first < last;)
            {
                changed = false;
                foreach (var filler in TrailingFillers)
                {
                    if (last - filler.Length >= first && StartsWith(span, last - filler.Length, last, filler))
                    {
                        last -= filler.Length;
                        changed = true;
                    }
                }
            }

            if (first >= last)
            {
                return (AliasAnywhere(slot, tokens), 0);
            }

            if (slot.IsName)
            {
                last = NameEnd(utterance.Clean, group.Index, span, first, last);
            }

            if (slot.MaxWords is { } maxWords)
            {
                last = Math.Min(last, first + maxWords);
            }

            var from = group.Index + span[first].Start;
            var to = group.Index + span[last - 1].End;
            var lowerSpan = lower[from..to];
            if (slot.Ignore.Contains(lowerSpan))
            {
                return (null, 0);
            }

            var alias = ExactAlias(slot, span[first..last]);
            return (alias is not null ? SlotValue.Of(alias) : SlotValue.Of(utterance.Clean[from..to]), to);
        }

        return (AliasAnywhere(slot, tokens), 0);
    }

    /// <summary>
    /// Where a name ends: when the text keeps capitals, at the first lower-case word after a
    /// capitalised start ("Anna" of "Anna I'll be late", "Tom" of "Tom happy birthday").
    /// </summary>
    private static int NameEnd(string clean, int offset, Token[] span, int first, int last)
    {
        static bool Capitalised(string clean, int offset, Token token) =>
            char.IsUpper(clean[offset + token.Start]) && token.Text is not "i" and not "i'm" and not "i'll" and not "i'd" and not "i've";

        if (!Capitalised(clean, offset, span[first]))
        {
            return last;
        }

        var end = first + 1;
        while (end < last && Capitalised(clean, offset, span[end]))
        {
            end++;
        }

        return end;
    }

    private static string? ExactAlias(SlotDefinition slot, Token[] span)
    {
        foreach (var phrase in slot.Phrases)
        {
            if (phrase.Tokens.Length == span.Length && MatchesAt(span, new bool[span.Length], phrase.Tokens, 0))
            {
                return phrase.Value;
            }
        }

        return null;
    }

    private static SlotValue? AliasAnywhere(SlotDefinition slot, Token[] tokens) =>
        FindPhrase(slot.Phrases, tokens, new bool[tokens.Length]) is var (value, _, _) ? SlotValue.Of(value) : null;

    /// <summary>The leftmost phrase occurrence, the longest at that position.</summary>
    private static (string Value, int Start, int Length)? FindPhrase(IReadOnlyList<PhraseValue> phrases, Token[] tokens, bool[] consumed)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            PhraseValue? best = null;
            foreach (var phrase in phrases)
            {
                if ((best is null || phrase.Tokens.Length > best.Tokens.Length) && MatchesAt(tokens, consumed, phrase.Tokens, i))
                {
                    best = phrase;
                }
            }

            if (best is not null)
            {
                return (best.Value, i, best.Tokens.Length);
            }
        }

        return null;
    }

    private static int IndexOf(Token[] tokens, bool[] consumed, Token[] phrase, int from)
    {
        for (var i = from; i <= tokens.Length - phrase.Length; i++)
        {
            if (MatchesAt(tokens, consumed, phrase, i))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool MatchesAt(Token[] tokens, bool[] consumed, Token[] phrase, int at)
    {
        if (phrase.Length == 0 || at + phrase.Length > tokens.Length)
        {
            return false;
        }

        for (var k = 0; k < phrase.Length; k++)
        {
            if (consumed[at + k] || !SameWord(tokens[at + k].Text, phrase[k].Text))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Equal, or the plural of the phrase's word ("chargers", "windows", "glasses").</summary>
    internal static bool SameWord(string word, string phraseWord) =>
        string.Equals(word, phraseWord, StringComparison.Ordinal)
        || (word.Length == phraseWord.Length + 1 && word[^1] == 's' && word.StartsWith(phraseWord, StringComparison.Ordinal))
        || (word.Length == phraseWord.Length + 2 && word.EndsWith("es", StringComparison.Ordinal) && word.StartsWith(phraseWord, StringComparison.Ordinal));

    private static bool StartsWith(Token[] span, int from, int to, string[] words)
    {
        if (to - from < words.Length)
        {
            return false;
        }

        for (var k = 0; k < words.Length; k++)
        {
            if (!string.Equals(span[from + k].Text, words[k], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static void Mark(bool[] consumed, int start, int length) => consumed.AsSpan(start, length).Fill(true);
}

/// <summary>Slot values in catalog order and the required slots left unfilled.</summary>
internal sealed record SlotResult(List<KeyValuePair<string, SlotValue>> Slots, IReadOnlyList<string> Missing);
