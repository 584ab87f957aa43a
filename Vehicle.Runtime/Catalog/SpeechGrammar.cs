using System.Text;
using System.Text.RegularExpressions;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Catalog;

/// <summary>
/// The recogniser's grammar (JSGF), generated from the intent catalog, the single source of
/// truth: every on-board intent's example phrases, with their slot values generalised to classes
/// (the slot's enum phrases, any spelled number from zero to two hundred with "point five", the
/// contacts and places of the profile next to the examples' own names), so a new intent or a new
/// slot value in the catalog is speakable without touching the recogniser. World questions
/// (<c>cloud.query</c>) are left out on purpose: what the grammar cannot match goes to the cloud.
/// The yes and no answers to the copilot's own questions are in it too.
/// </summary>
public sealed partial class SpeechGrammar
{
    private const string Header = "#JSGF V1.0;\ngrammar car;\n";
    private readonly string _phrases;
    private readonly string _rules;

    private SpeechGrammar(string phrases, string rules, IReadOnlySet<string> words, int count)
    {
        _phrases = phrases;
        _rules = rules;
        Jsgf = Header + "public <command> = " + phrases + ";\n" + rules;
        Words = words;
        Phrases = count;
    }

    /// <summary>The JSGF text (public rule <c>&lt;command&gt;</c>).</summary>
    public string Jsgf { get; }

    /// <summary>Every word the grammar uses (lower case): each needs a pronunciation.</summary>
    public IReadOnlySet<string> Words { get; }

    /// <summary>Distinct generalised phrases.</summary>
    public int Phrases { get; }

    /// <summary>Builds the grammar from the catalog at <paramref name="catalogPath"/> and the profile's names.</summary>
    public static SpeechGrammar FromCatalog(string catalogPath, ProfileSnapshot? profile = null) =>
        FromCatalog(CatalogLoader.Load(catalogPath), profile ?? ProfileSnapshot.Empty);

    internal static SpeechGrammar FromCatalog(IntentCatalog catalog, ProfileSnapshot profile)
    {
        var rules = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var commands = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var intent in catalog.Intents)
        {
            if (intent.Name == IntentCatalog.CloudIntent)
            {
                continue;
            }

            foreach (var example in intent.Examples)
            {
                var tokens = Spoken(example);
                if (tokens.Count == 0)
                {
                    continue;
                }

                Generalise(intent, example, tokens, rules, profile);
                commands.Add(string.Join(' ', tokens));
            }
        }

        // The answers to what the copilot asks ("yes", "no thanks"): said without the wake phrase
        // right after a question, they must be heard as well as any command.
        foreach (var answer in YesNo.Answers)
        {
            commands.Add(string.Join(' ', Spoken(answer)));
        }

        // Numbers as a small compositional rule, not hundreds of alternatives: a JSGF rule is copied
        // into the search graph at every reference, so its size multiplies.
        rules["digit"] = Set("one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        rules["teen"] = Set("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen");
        rules["tens"] = Set("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety");
        rules["below100"] = Set("zero", "<digit>", "<teen>", "<tens> [<digit>]");
        rules["number"] = Set("<below100> [point <digit>]", "[a | one | two] hundred [[and] <below100>]");
        // The phrases as a prefix tree: the search graph shares their beginnings instead of holding
        // a separate chain per phrase (several times fewer states, several times faster decoding).
        var root = new Node();
        foreach (var command in commands)
        {
            var node = root;
            foreach (var token in command.Split(' '))
            {
                node = node.Children.TryGetValue(token, out var child) ? child : node.Children[token] = new Node();
            }

            node.Terminal = true;
        }

        var ruleText = new StringBuilder();
        foreach (var (name, alternatives) in rules)
        {
            ruleText.Append('<').Append(name).Append("> = ").AppendJoin(" | ", alternatives).Append(";\n");
        }

        var words = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var word in WordToken().Matches(string.Join(' ', rules.Values.SelectMany(v => v).Concat(commands))).Select(m => m.Value))
        {
            words.Add(word);
        }

        return new SpeechGrammar(Emit(root), ruleText.ToString(), words, commands.Count);
    }

    /// <summary>
    /// The grammar with an optional <paramref name="silence"/> word before and after the command:
    /// the recogniser is handed the speech with some padding on either side, and a search without
    /// filler words has no other way to explain those frames than by stretching the first and last
    /// words or inventing extra ones ("fan speed to nine" came back as "… ninety eight").
    /// </summary>
    /// <summary>The grammar with optional <paramref name="silence"/> tokens allowed before and after a phrase (a recogniser's filler word).</summary>
    public string WithEdgeSilence(string silence) =>
        Header + "public <command> = [" + silence + "] <phrase> [" + silence + "];\n<phrase> = " + _phrases + ";\n" + _rules;

    /// <summary>JSGF for the phrases below <paramref name="node"/>: shared prefixes, alternatives, optional tails.</summary>
    private static string Emit(Node node)
    {
        var branches = node.Children.Select(c => c.Value.Children.Count == 0 ? c.Key : c.Key + " " + Emit(c.Value)).ToList();
        var body = branches.Count == 1 ? branches[0] : "(" + string.Join(" | ", branches) + ")";
        return node.Terminal ? "[" + body + "]" : body;
    }

    private sealed class Node
    {
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public bool Terminal { get; set; }
    }

    private static SortedSet<string> Set(params string[] alternatives) => new(alternatives, StringComparer.Ordinal);

    /// <summary>Lower-case words as spoken: numbers spelled, "%" said as "percent", punctuation dropped.</summary>
    internal static List<string> Spoken(string text)
    {
        var words = new List<string>();
        foreach (Match match in Token().Matches(text.ToLowerInvariant().Replace("%", " percent", StringComparison.Ordinal)))
        {
            var token = match.Value.Trim('\'');
            if (token.Length == 0)
            {
                continue;
            }

            if (char.IsAsciiDigit(token[0]))
            {
                if (NumberWords.Spell(token) is { } spelled)
                {
                    words.AddRange(spelled.Split(' '));
                }
                else if (token.All(char.IsAsciiDigit))
                {
                    words.AddRange(token.Select(d => NumberWords.Spell(d - '0')));
                }
                else
                {
                    // "21st", "5g": letters after the digits; the digits spelled, the letters kept.
                    var digits = new string([.. token.TakeWhile(char.IsAsciiDigit)]);
                    words.AddRange(NumberWords.Spell(long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture)).Split(' '));
                    words.Add(token[digits.Length..]);
                }
            }
            else
            {
                words.Add(token);
            }
        }

        return words;
    }

    /// <summary>Replaces an example's slot values by classes: its enum phrases, numbers, the profile's names.</summary>
    private static void Generalise(IntentDefinition intent, string example, List<string> tokens, SortedDictionary<string, SortedSet<string>> rules, ProfileSnapshot profile)
    {
        // Text slots resolved against the profile: the example's value joins the profile's names.
        var slots = SlotExtractor.Extract(intent, Utterance.Parse(example), Seat.Driver).Slots;
        foreach (var slot in intent.Slots.Where(s => s.Profile is not null))
        {
            var value = slots.FirstOrDefault(s => s.Key == slot.Name).Value.Text;
            if (value is null)
            {
                continue;
            }

            var span = Spoken(value);
            var at = IndexOf(tokens, span);
            if (span.Count == 0 || at < 0)
            {
                continue;
            }

            var rule = slot.Profile == ProfileLookup.Contact ? "contact" : "place";
            if (!rules.TryGetValue(rule, out var names))
            {
                rules[rule] = names = new SortedSet<string>(StringComparer.Ordinal);
                var known = slot.Profile == ProfileLookup.Contact
                    ? profile.Data.Contacts.SelectMany(c => c.Nicknames.Prepend(c.Name).Append(c.Name.Split(' ')[0]))
                    : profile.Data.Places.Select(p => p.Name);
                foreach (var name in known)
                {
                    if (Spoken(name) is { Count: > 0 } spoken)
                    {
                        names.Add(string.Join(' ', spoken));
                    }
                }
            }

            names.Add(string.Join(' ', span));
            tokens.RemoveRange(at, span.Count);
            tokens.Insert(at, "<" + rule + ">");
        }

        // Enum phrases: the longest phrase at each position becomes the slot's class.
        foreach (var slot in intent.Slots.Where(s => s.Kind == SlotKind.Enum && s.Phrases.Count > 0))
        {
            var rule = "e_" + Sanitize(intent.Name) + "_" + Sanitize(slot.Name);
            var phrases = slot.Phrases.Select(p => p.Tokens.Select(t => t.Text).ToList()).OrderByDescending(p => p.Count).ToList();
            var used = false;
            for (var i = 0; i < tokens.Count; i++)
            {
                foreach (var phrase in phrases)
                {
                    if (phrase.Count > 0 && i + phrase.Count <= tokens.Count && tokens.GetRange(i, phrase.Count).SequenceEqual(phrase))
                    {
                        tokens.RemoveRange(i, phrase.Count);
                        tokens.Insert(i, "<" + rule + ">");
                        used = true;
                        break;
                    }
                }
            }

            if (used && !rules.ContainsKey(rule))
            {
                rules[rule] = new SortedSet<string>(phrases.Where(p => p.Count > 0).Select(p => string.Join(" ", Spoken(string.Join(" ", p)))), StringComparer.Ordinal);
            }
        }

        // Runs of number words: any number.
        for (var i = 0; i < tokens.Count; i++)
        {
            var end = i;
            while (end < tokens.Count && NumberWords.Vocabulary.Contains(tokens[end]) && tokens[end] is not ("a" or "and"))
            {
                end++;
            }

            // "point five" ends a number; "a" / "and" only inside one ("a hundred and ten").
            if (end > i && intent.Slots.Any(s => s.Kind == SlotKind.Number))
            {
                tokens.RemoveRange(i, end - i);
                tokens.Insert(i, "<number>");
            }
        }
    }

    private static int IndexOf(List<string> tokens, List<string> span)
    {
        for (var i = 0; i + span.Count <= tokens.Count; i++)
        {
            if (tokens.GetRange(i, span.Count).SequenceEqual(span))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Sanitize(string name) => NotWord().Replace(name, "_");

    [GeneratedRegex(@"[a-z0-9][a-z0-9'.]*[a-z0-9]|[a-z0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    [GeneratedRegex(@"(?<![<\w])[a-z][a-z']*(?![\w>])", RegexOptions.CultureInvariant)]
    private static partial Regex WordToken();

    [GeneratedRegex(@"[^a-z0-9_]", RegexOptions.CultureInvariant)]
    private static partial Regex NotWord();
}
