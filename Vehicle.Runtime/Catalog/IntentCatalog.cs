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
}
