using System.Text.Json.Serialization;

namespace Vehicle.Bus.Cloud;

/// <summary>Settings of the built-in offline backend.</summary>
public sealed class OfflineBackendOptions
{
    /// <summary>Knowledge file (YAML); empty: the one shipped beside the binary.</summary>
    public string? KnowledgeFile { get; set; }

    /// <summary>Median think time in milliseconds (0: answer at once).</summary>
    public double LatencyMedianMs { get; set; }

    /// <summary>Spread of the log-normal think time (sigma of its logarithm; 0: always the median).</summary>
    public double LatencySigma { get; set; }

    /// <summary>Fraction of questions that fail (0..1).</summary>
    public double FailureRate { get; set; }

    /// <summary>Seed for think times and failures, so a simulation can be repeated exactly.</summary>
    public int Seed { get; set; } = 1;
}

/// <summary>
/// A deterministic stand-in for a cloud model, used by default and by the simulator: the first
/// knowledge entry all of whose keywords occur in the question answers it; think time is drawn
/// from a log-normal distribution and a configurable fraction of questions fail.
/// </summary>
public sealed class OfflineBackend : ICloudBackend
{
    private readonly IReadOnlyList<KnowledgeEntry> _entries;
    private readonly string _fallback;
    private readonly OfflineBackendOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, int> _asked = [];
    private readonly Queue<string> _askedOrder = new();

    /// <summary>Loads the knowledge file.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid knowledge file.</exception>
    public OfflineBackend(OfflineBackendOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new OfflineBackendOptions();
        if (_options.FailureRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.FailureRate, "FailureRate must be within 0..1");
        }

        _time = time ?? TimeProvider.System;
        var path = string.IsNullOrEmpty(_options.KnowledgeFile) ? Path.Combine(AppContext.BaseDirectory, "knowledge.yaml") : _options.KnowledgeFile;
        KnowledgeFile file;
        try
        {
            file = YamlJson.Deserialize(File.ReadAllText(path), KnowledgeYaml.Default.KnowledgeFile) ?? new KnowledgeFile();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{path}: line {e.Start.Line}: {e.Message}", e);
        }

        var entries = new List<KnowledgeEntry>();
        for (var i = 0; i < file.Entries.Count; i++)
        {
            var entry = file.Entries[i];
            if (entry.Match.Count == 0 || string.IsNullOrWhiteSpace(entry.Answer))
            {
                throw new InvalidDataException($"{path}: entry {i + 1} needs 'match' keywords and an 'answer'");
            }

            entries.Add(entry with { Match = entry.Match.Select(m => m.ToLowerInvariant()).ToList() });
        }

        _entries = entries;
        _fallback = file.Fallback ?? "I don't know that one yet.";
    }

    /// <inheritdoc/>
    public string Name => "offline";

    /// <summary>The answer for a question, without think time or failures.</summary>
    public CloudAnswer Lookup(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var words = question.ToLowerInvariant();
        foreach (var entry in _entries)
        {
            if (entry.Match.All(keyword => words.Contains(keyword, StringComparison.Ordinal)))
            {
                return new CloudAnswer(entry.Answer, entry.Command);
            }
        }

        return new CloudAnswer(_fallback);
    }

    /// <inheritdoc/>
    public async Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken)
    {
        var (think, fail) = Draw(question);
        if (think > TimeSpan.Zero)
        {
            await Task.Delay(think, _time, cancellationToken).ConfigureAwait(false);
        }

        return fail ? throw new CloudBackendException("simulated cloud failure") : Lookup(question);
    }

    /// <summary>Most distinct questions whose askings are counted; past it the one first asked longest ago is forgotten.</summary>
    public const int RememberedQuestions = 10_000;

    /// <summary>Distinct questions counted now (at most <see cref="RememberedQuestions"/>).</summary>
    public int Remembered
    {
        get
        {
            lock (_asked)
            {
                return _asked.Count;
            }
        }
    }

    /// <summary>
    /// This question's think time and whether it fails, drawn from the seed, the question and how
    /// often it was asked: the same run gives the same draws whatever order concurrent questions
    /// arrive in. Each call counts as one asking. Bounded: the counts of the last
    /// <see cref="RememberedQuestions"/> distinct questions are kept, so a long-running responder
    /// does not grow with every question it has seen.
    /// </summary>
    public (TimeSpan Think, bool Fail) Draw(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        int occurrence;
        lock (_asked)
        {
            occurrence = _asked.GetValueOrDefault(question) + 1;
            if (occurrence == 1)
            {
                _askedOrder.Enqueue(question);
                if (_askedOrder.Count > RememberedQuestions)
                {
                    _asked.Remove(_askedOrder.Dequeue());
                }
            }

            _asked[question] = occurrence;
        }

        var random = new Random(unchecked((((_options.Seed * 31) + StableHash(question)) * 31) + occurrence));
        var think = _options.LatencyMedianMs <= 0 ? 0 : _options.LatencyMedianMs * Math.Exp(_options.LatencySigma * Gaussian(random));
        var fail = _options.FailureRate > 0 && random.NextDouble() < _options.FailureRate;
        return (TimeSpan.FromMilliseconds(think), fail);
    }

    private static int StableHash(string text)
    {
        // FNV-1a: string.GetHashCode and HashCode differ between processes.
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    internal sealed class KnowledgeFile
    {
        public List<KnowledgeEntry> Entries { get; set; } = [];

        public string? Fallback { get; set; }
    }

    internal sealed record KnowledgeEntry
    {
        public List<string> Match { get; init; } = [];

        public string Answer { get; init; } = string.Empty;

        public string? Command { get; init; }
    }
}

/// <summary>The knowledge file's shape, read by generated code (see <see cref="YamlJson"/>).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, NumberHandling = JsonNumberHandling.AllowReadingFromString, Converters = [typeof(YamlJson.ScalarText)])]
[JsonSerializable(typeof(OfflineBackend.KnowledgeFile))]
internal sealed partial class KnowledgeYaml : JsonSerializerContext;
