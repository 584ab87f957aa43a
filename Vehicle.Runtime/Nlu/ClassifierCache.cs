using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Models;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// Keeps what is derived from the catalog (the trained, calibrated intent head, and the lexical
/// lane head that routes an utterance to a lane before it is encoded) on disk, keyed by
/// the model's and the catalog's digests and the trainer's version, so a warm start skips
/// embedding every example. A changed catalog or model simply gets a new file.
/// </summary>
internal static partial class ClassifierCache
{
    // Bump when the training recipe changes, so old heads are not reused.
    private const string TrainerVersion = "ridge-lexical512-v5";

    /// <summary>The lane head's classes: the critical lane, or any other.</summary>
    internal static readonly string[] LaneNames = ["critical", "other"];

    public static (IntentClassifier Intent, IntentClassifier Lane) LoadOrTrain(IntentCatalog catalog, ModelFiles files, SentenceEncoder encoder, NluOptions options, ILogger logger)
    {
        // Keyed by what the head is derived from: the model and the catalog's intents and examples
        // (a changed response text or actuation does not retrain).
        var examples = ExamplesHash(catalog);
        // The head belongs to the fp32 encoder whatever precision runs (see ModelFiles.HeadFingerprint).
        var key = $"{TrainerVersion}:{files.HeadFingerprint}:{examples}:{options.MaxSequenceLength}";
        var directory = Path.Combine(options.ResolveCacheDirectory(), "heads");
        var path = Path.Combine(directory, $"{examples[..16]}-{files.HeadFingerprint[..16]}-{options.MaxSequenceLength}.bin");
        if (File.Exists(path))
        {
            try
            {
                using var stream = File.OpenRead(path);
                if (IntentClassifier.Load(stream, key) is { } cached && IntentClassifier.Load(stream, key) is { } cachedLane)
                {
                    return (cached, cachedLane);
                }
            }
            catch (Exception e) when (e is IOException or EndOfStreamException)
            {
                LogUnreadable(logger, path, e.Message);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        var (texts, labels, intents) = Examples(catalog);
        var features = Features(EmbedWithHeadEncoder(texts, files, encoder, options, logger), texts, encoder.Dimension);
        var embedded = stopwatch.Elapsed;
        var width = encoder.Dimension + LexicalFeatures.Buckets;
        var classifier = IntentClassifier.Train(features, labels, intents, width, IntentCatalog.CloudIntent);

        // The lane head sees only the words (no encoder): it is cheap enough to run at admission.
        var lexical = new float[texts.Count * LexicalFeatures.LaneWidth];
        for (var i = 0; i < texts.Count; i++)
        {
            LexicalFeatures.FillLaneFeatures(Utterance.Parse(texts[i]).Tokens, lexical.AsSpan(i * LexicalFeatures.LaneWidth, LexicalFeatures.LaneWidth));
        }

        var lanes = labels.Select(l => catalog.Intents[l].Lane == Lane.Critical ? 0 : 1).ToArray();
        var laneHead = IntentClassifier.Train(lexical, lanes, LaneNames, LexicalFeatures.LaneWidth, cloudIntent: null);
        LogTrained(logger, texts.Count, intents.Length, embedded.TotalMilliseconds, (stopwatch.Elapsed - embedded).TotalMilliseconds, classifier.Lambda, classifier.Temperature, classifier.Threshold, classifier.OutOfFoldAccuracy);

        Directory.CreateDirectory(directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = File.Create(temporary))
        {
            classifier.Save(stream, key);
            laneHead.Save(stream, key);
        }

        File.Move(temporary, path, overwrite: true);
        return (classifier, laneHead);
    }

    /// <summary>
    /// The examples embedded by the encoder the head belongs to: the running one, or for an INT8
    /// one the fp32 model it was quantised from (provisioned and verified for this, then released).
    /// </summary>
    private static float[] EmbedWithHeadEncoder(List<string> texts, ModelFiles files, SentenceEncoder encoder, NluOptions options, ILogger logger)
    {
        if (files.SourceFingerprint is null)
        {
            return encoder.EncodeMany(texts);
        }

        var fp32Files = ModelProvisioner.ProvisionFp32(options, logger);
        if (fp32Files.Fingerprint != files.SourceFingerprint)
        {
            throw new InvalidDataException($"The INT8 model was quantised from {files.SourceFingerprint}, but the fp32 model provisioned now is {fp32Files.Fingerprint}.");
        }

        using var fp32 = new SentenceEncoder(fp32Files, options, logger, encoder.Tokenizer);
        return fp32.EncodeMany(texts);
    }

    /// <summary>Rows of [embedding, lexical block], the head's input, for many sentences.</summary>
    internal static float[] Features(float[] embeddings, IReadOnlyList<string> texts, int dimension)
    {
        var width = dimension + LexicalFeatures.Buckets;
        var features = new float[texts.Count * width];
        for (var i = 0; i < texts.Count; i++)
        {
            var row = features.AsSpan(i * width, width);
            embeddings.AsSpan(i * dimension, dimension).CopyTo(row);
            LexicalFeatures.Fill(Utterance.Parse(texts[i]).Tokens, row[dimension..]);
        }

        return features;
    }

    private static string ExamplesHash(IntentCatalog catalog)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var intent in catalog.Intents)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(intent.Name + "\n" + string.Join("\n", intent.Examples) + "\n\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static (List<string> Texts, int[] Labels, string[] Intents) Examples(IntentCatalog catalog)
    {
        var texts = new List<string>();
        var labels = new List<int>();
        for (var i = 0; i < catalog.Intents.Count; i++)
        {
            foreach (var example in catalog.Intents[i].Examples)
            {
                texts.Add(example);
                labels.Add(i);
            }
        }

        return (texts, [.. labels], [.. catalog.Intents.Select(i => i.Name)]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained the intent head: {Examples} examples, {Intents} intents, embedded in {EmbedMs:F0} ms, trained in {TrainMs:F0} ms (lambda {Lambda}, temperature {Temperature:F3}, threshold {Threshold:F2}, out-of-fold accuracy {Accuracy:P1})")]
    private static partial void LogTrained(ILogger logger, int examples, int intents, double embedMs, double trainMs, double lambda, double temperature, double threshold, double accuracy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring unreadable head cache {Path}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
