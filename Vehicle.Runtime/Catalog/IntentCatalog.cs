using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Catalog;

/// <summary>A loaded, validated intent catalog.</summary>
internal sealed class IntentCatalog
{
    /// <summary>The intent that stands for "not an on-board command": the cloud route.</summary>
    public const string CloudIntent = "cloud.query";

    private readonly Dictionary<string, IntentDefinition> _byName;

    public IntentCatalog(IReadOnlyList<IntentDefinition> intents, string sha256, string source, IReadOnlyDictionary<string, double>? limits = null)
    {
        Intents = intents;
        Limits = limits ?? new Dictionary<string, double>();
        Sha256 = sha256;
        Source = source;
        _byName = intents.ToDictionary(i => i.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<IntentDefinition> Intents { get; }

    /// <summary>Named policy limits (defaults; configuration may override them).</summary>
    public IReadOnlyDictionary<string, double> Limits { get; }

    /// <summary>SHA-256 of the catalog file's bytes: the key of everything derived from it.</summary>
    public string Sha256 { get; }

    public string Source { get; }

    public IntentDefinition this[string name] => _byName[name];

    /// <summary>
    /// Phrases (lower-case tokens) of requests the car has no intent for ("remind me", "shopping
    /// list"): an utterance with one goes to the cloud whatever the intent head says, so the rest
    /// of the sentence is never stuffed into the nearest intent's slot.
    /// </summary>
    public IReadOnlyList<Token[]> OutOfCatalog { get; init; } = [];

    /// <summary>Whether <paramref name="tokens"/> contain one of <paramref name="phrases"/> (a word or its plural, as slot phrases match).</summary>
    public static bool Contains(ReadOnlySpan<Token> tokens, IReadOnlyList<Token[]> phrases)
    {
        foreach (var phrase in phrases)
        {
            for (var at = 0; at + phrase.Length <= tokens.Length; at++)
            {
                var k = 0;
                while (k < phrase.Length && SlotExtractor.SameWord(tokens[at + k].Text, phrase[k].Text))
                {
                    k++;
                }

                if (k == phrase.Length)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The intent called <paramref name="name"/>, or null.</summary>
    public IntentDefinition? Find(string name) => _byName.GetValueOrDefault(name);
}
