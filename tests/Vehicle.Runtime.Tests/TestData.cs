using System.Text.RegularExpressions;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

internal static partial class TestData
{
    private static readonly Lazy<IntentCatalog> DefaultCatalog = new(() => CatalogLoader.Load(new NluOptions().ResolveCatalogPath()));

    public static IntentCatalog Catalog => DefaultCatalog.Value;

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>The development set (tuned against) and the final test set (written separately, only scored).</summary>
    public static IReadOnlyList<LabelledUtterance> Heldout => NluEvaluation.ReadJsonl(PathOf("heldout.jsonl"));

    public static IReadOnlyList<LabelledUtterance> Test => NluEvaluation.ReadJsonl(PathOf("test.jsonl"));

    /// <summary>The shared data folder (../shared/data from the repository root).</summary>
    public static string SharedData
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "shared", "data");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("shared/data not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Normalize(string text) => NonWord().Replace(text.ToLowerInvariant(), string.Empty).Trim();

    [GeneratedRegex(@"[^\w' ]")]
    private static partial Regex NonWord();
}
