using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.Tokenizers;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Models;
using Vehicle.Runtime.Telemetry;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// The on-board understanding path: text in, intent + slots + route out, offline.
/// <para>
/// Flow of one utterance: clean and tokenise the text; encode it with the on-board sentence
/// encoder (ONNX Runtime); score it with the intent head trained from the catalog; route it to the
/// cloud when the best on-board intent is <c>cloud.query</c> or its calibrated confidence is below
/// the out-of-domain threshold; otherwise fill the intent's slots with the catalog's rules.
/// </para>
/// <para>
/// One instance owns one inference session and reuses its buffers, so it is not thread-safe: give
/// each lane (thread) its own instance.
/// </para>
/// </summary>
public sealed partial class Understander : IUtteranceUnderstander
{
    /// <summary>
    /// Probability of "vehicle command" from which admission queues an utterance on the critical
    /// lane. Below one half: a vehicle command guessed wrong costs one extra hop (it is understood
    /// on the intake thread first), a world question guessed wrong costs the critical lane one
    /// encoding; the first matters more.
    /// </summary>
    internal const float CriticalGuessProbability = 0.4f;

    private const string ReasonEmpty = "empty_input";
    private const string ReasonLowConfidence = "low_confidence";
    private const string ReasonUnsupportedScript = "unsupported_script";
    private const string ReasonOutOfCatalog = "out_of_catalog";

    private readonly SentenceEncoder _encoder;
    private readonly IntentClassifier _classifier;
    private readonly IntentClassifier _laneHead;
    private readonly IntentDefinition[] _intents;
    private readonly int _cloudIndex;
    private readonly double _threshold;
    private readonly int _maxChars;
    private readonly float[] _features;
    private readonly float[] _probabilities;

    private readonly ModelFiles _files;
    private readonly NluOptions _options;
    private readonly RuntimeMetrics _metrics;

    private Understander(SentenceEncoder encoder, IntentClassifier classifier, IntentClassifier laneHead, IntentCatalog catalog, ModelFiles files, NluOptions options, RuntimeMetrics metrics)
    {
        _files = files;
        _options = options;
        _metrics = metrics;
        _encoder = encoder;
        _classifier = classifier;
        _laneHead = laneHead;
        Catalog = catalog;
        _intents = [.. classifier.Intents.Select(name => catalog[name])];
        _cloudIndex = Array.IndexOf(classifier.Intents, IntentCatalog.CloudIntent);
        _threshold = options.OutOfDomainThreshold ?? classifier.Threshold;
        _maxChars = options.MaxUtteranceChars;
        _features = new float[encoder.Dimension + LexicalFeatures.Buckets];
        _probabilities = new float[classifier.Intents.Length];
    }

    /// <summary>The execution provider running the encoder ("CPU" or "CUDA").</summary>
    public string Provider => _encoder.Provider;

    /// <summary>The out-of-domain threshold in force.</summary>
    public double Threshold => _threshold;

    internal IntentCatalog Catalog { get; }

    /// <summary>
    /// Loads the catalog and the encoder, prepares the intent head (from the on-disk cache when the
    /// model and catalog are unchanged, otherwise by embedding the examples and training), and
    /// warms the session up so the first real utterance is not the slow one.
    /// </summary>
    public static Understander Create(NluOptions options, ILoggerFactory? loggerFactory = null) =>
        Create(options, CatalogLoader.Load(options?.ResolveCatalogPath() ?? throw new ArgumentNullException(nameof(options))), loggerFactory, RuntimeMetrics.Standalone);

    /// <summary>The same, over a catalog already loaded (the car loads it once), reporting into the car's instruments.</summary>
    internal static Understander Create(NluOptions options, IntentCatalog catalog, ILoggerFactory? loggerFactory, RuntimeMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Understander>();
        var stopwatch = Stopwatch.StartNew();
        var files = ModelProvisioner.Provision(options, logger);
        var encoder = new SentenceEncoder(files, options, logger);
        try
        {
            var (classifier, laneHead) = ClassifierCache.LoadOrTrain(catalog, files, encoder, options, logger);
            var understander = new Understander(encoder, classifier, laneHead, catalog, files, options, metrics);
            understander.Understand("warm up the encoder");
            LogReady(logger, catalog.Intents.Count, catalog.Source, catalog.Sha256[..12], understander._threshold, stopwatch.Elapsed.TotalMilliseconds);
            return understander;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The car's two understanders (the critical lane's and the intake's), each with its own
    /// session: the model is provisioned, then the two sessions are made on the thread pool while
    /// this thread makes the tokenizer they share and the caller loads <paramref name="catalog"/>;
    /// the intent head (which needs it) comes last. Not warmed up here: each lane warms its own on
    /// its own thread.
    /// </summary>
    internal static async Task<(Understander Critical, Understander Intake)> CreatePairAsync(NluOptions options, Task<IntentCatalog> catalog, ILoggerFactory loggerFactory, RuntimeMetrics metrics)
    {
        var logger = loggerFactory.CreateLogger<Understander>();
        var stopwatch = Stopwatch.StartNew();
        var files = ModelProvisioner.Provision(options, logger);
        var tokenizer = new Lazy<BertTokenizer>(() => SentenceEncoder.CreateTokenizer(files));
        Task<SentenceEncoder>[] sessions =
        [
            Task.Run(() => new SentenceEncoder(files, options, logger, () => tokenizer.Value)),
            Task.Run(() => new SentenceEncoder(files, options, logger, () => tokenizer.Value)),
        ];
        try
        {
            _ = tokenizer.Value;
            var encoders = await Task.WhenAll(sessions).ConfigureAwait(false);
            var intents = await catalog.ConfigureAwait(false);
            var (classifier, laneHead) = ClassifierCache.LoadOrTrain(intents, files, encoders[0], options, logger);
            LogReady(logger, intents.Intents.Count, intents.Source, intents.Sha256[..12], options.OutOfDomainThreshold ?? classifier.Threshold, stopwatch.Elapsed.TotalMilliseconds);
            return (new Understander(encoders[0], classifier, laneHead, intents, files, options, metrics), new Understander(encoders[1], classifier, laneHead, intents, files, options, metrics));
        }
        catch
        {
            foreach (var session in sessions)
            {
                try
                {
                    (await session.ConfigureAwait(false)).Dispose();
                }
                catch (Exception) when (!session.IsCompletedSuccessfully)
                {
                    // It failed too (the same cause, reported once: the first failure is rethrown).
                }
            }

            throw;
        }
    }

    /// <summary>Understands one utterance spoken from <paramref name="speaker"/>'s seat. Never throws on bad text.</summary>
    public Understanding Understand(string? text, Seat speaker = Seat.Driver)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = RuntimeTelemetry.Source.StartActivity("understand");
        text ??= string.Empty;

        var truncated = text.Length > _maxChars;
        var utterance = Utterance.Parse(truncated ? text[.._maxChars] : text);
        if (utterance.Tokens.Length == 0)
        {
            _metrics.BadInputs.Add(1, new KeyValuePair<string, object?>("reason", ReasonEmpty));
            return Rejected(text, ReasonEmpty, started);
        }

        if (!IsMostlyLatin(utterance.Clean))
        {
            // The on-board encoder and slot rules are English; another language is a question for
            // the cloud model, which is multilingual.
            return Finish(new Understanding(text, IntentCatalog.CloudIntent, [], 1.0, Route.Cloud, TimeSpan.Zero, [], ReasonUnsupportedScript, truncated), started);
        }

        if (IntentCatalog.Contains(utterance.Tokens, Catalog.OutOfCatalog))
        {
            // A reminder, a timer, a shopping list: nothing on board does that.
            return Finish(new Understanding(text, IntentCatalog.CloudIntent, [], 1.0, Route.Cloud, TimeSpan.Zero, [], ReasonOutOfCatalog, truncated), started);
        }

        var features = _features.AsSpan();
        _encoder.Encode(utterance.Clean, features[.._encoder.Dimension]);

        int best;
        double confidence;
        using (RuntimeTelemetry.Source.StartActivity("classify"))
        {
            LexicalFeatures.Fill(utterance.Tokens, features[_encoder.Dimension..]);
            _classifier.Predict(features, _probabilities);
            best = 0;
            for (var i = 1; i < _probabilities.Length; i++)
            {
                if (_probabilities[i] > _probabilities[best])
                {
                    best = i;
                }
            }

            confidence = _probabilities[best];
        }

        if (best == _cloudIndex)
        {
            return Finish(new Understanding(text, IntentCatalog.CloudIntent, [], confidence, Route.Cloud, TimeSpan.Zero, [], null, truncated), started);
        }

        if (confidence < _threshold)
        {
            // Report how sure we are that no on-board intent applies.
            return Finish(new Understanding(text, IntentCatalog.CloudIntent, [], 1 - confidence, Route.Cloud, TimeSpan.Zero, [], ReasonLowConfidence, truncated), started);
        }

        SlotResult slots;
        using (RuntimeTelemetry.Source.StartActivity("slots"))
        {
            slots = SlotExtractor.Extract(_intents[best], utterance, speaker);
        }

        return Finish(new Understanding(text, _intents[best].Name, slots.Slots, confidence, Route.Onboard, TimeSpan.Zero, slots.Missing, null, truncated), started);
    }

    /// <summary>
    /// A second understander over the same prepared catalog, heads, tokenizer and model weights,
    /// with an inference session of its own (for another lane: sessions are never shared).
    /// </summary>
    public Understander CreateSibling(ILoggerFactory? loggerFactory = null)
    {
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Understander>();
        var encoder = new SentenceEncoder(_files, _options, logger, _encoder.Tokenizer);
        try
        {
            var sibling = new Understander(encoder, _classifier, _laneHead, Catalog, _files, _options, _metrics);
            sibling.Understand("warm up the encoder");
            return sibling;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A cheap guess whether an utterance is a vehicle command (<see cref="Lane.Critical"/>) or
    /// anything else (<see cref="Lane.Interactive"/>), from its words alone (no encoder, a few
    /// microseconds), so admission can queue it on that lane before it is understood. Thread-safe.
    /// A wrong guess costs latency, never correctness: the full understanding decides the lane.
    /// </summary>
    public Lane GuessLane(string? text)
    {
        var utterance = Utterance.Parse(text is { Length: > 0 } && text.Length > _maxChars ? text[.._maxChars] : text ?? string.Empty);
        Span<float> features = stackalloc float[LexicalFeatures.LaneWidth];
        Span<float> scores = stackalloc float[ClassifierCache.LaneNames.Length];
        LexicalFeatures.FillLaneFeatures(utterance.Tokens, features);
        _laneHead.Predict(features, scores);
        return scores[0] >= CriticalGuessProbability ? Lane.Critical : Lane.Interactive;
    }

    /// <summary>A result for input that cannot be understood at all, such as invalid UTF-8.</summary>
    public static Understanding Rejected(string text, string reason) =>
        new(text, null, [], 0, Route.Onboard, TimeSpan.Zero, [], reason);

    /// <inheritdoc/>
    public void Dispose() => _encoder.Dispose();

    private static Understanding Rejected(string text, string reason, long started) =>
        Rejected(text, reason) with { Latency = Stopwatch.GetElapsedTime(started) };

    private Understanding Finish(Understanding result, long started)
    {
        var latency = Stopwatch.GetElapsedTime(started);
        _metrics.UnderstandDuration.Record(latency.TotalMilliseconds, new KeyValuePair<string, object?>("route", result.Route == Route.Cloud ? "cloud" : "onboard"));
        _metrics.Utterances.Add(1, new KeyValuePair<string, object?>("intent", result.Intent));
        Activity.Current?.SetTag("intent", result.Intent);
        return result with { Latency = latency };
    }

    private static bool IsMostlyLatin(string text)
    {
        int letters = 0, latin = 0;
        foreach (var c in text)
        {
            if (char.IsLetter(c))
            {
                letters++;
                latin += c < 0x250 ? 1 : 0;
            }
        }

        return letters == 0 || latin * 2 >= letters;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Understanding ready: {Intents} intents from {Catalog} (sha256 {Sha}), out-of-domain threshold {Threshold:F2}, in {Milliseconds:F0} ms")]
    private static partial void LogReady(ILogger logger, int intents, string catalog, string sha, double threshold, double milliseconds);
}
