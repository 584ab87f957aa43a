using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using Vehicle.Runtime.Models;
using Vehicle.Runtime.Telemetry;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// The on-board sentence encoder: WordPiece tokenisation, one ONNX Runtime inference, mean pooling
/// over the attention mask and L2 normalisation, giving a unit vector per sentence. Not
/// thread-safe by design: each lane that needs one owns its own instance (an inference session
/// per lane means no lock can be shared between lanes).
/// </summary>
internal sealed partial class SentenceEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly int _maxTokens;
    private readonly bool _hasTokenTypes;
    private readonly string _outputName;
    private readonly int _clsId;
    private readonly int _sepId;
    private readonly int _padId;

    // The INT8 model's word embeddings, looked up here and fed to the graph (null: the graph gathers them).
    private readonly WordEmbeddings? _embeddings;

    // Reused for batch-1 inference: the hot path allocates only the ORT tensor wrappers.
    private readonly long[] _ids;
    private readonly long[] _mask;
    private readonly long[] _types;
    private readonly float[]? _embeds;

    public SentenceEncoder(ModelFiles files, NluOptions options, ILogger logger, BertTokenizer? tokenizer = null)
        : this(files, options, logger, tokenizer is null ? () => CreateTokenizer(files) : () => tokenizer)
    {
    }

    /// <summary>The same, with the tokenizer asked for once the session exists (it may be loading meanwhile on another thread).</summary>
    internal SentenceEncoder(ModelFiles files, NluOptions options, ILogger logger, Func<BertTokenizer> tokenizer)
    {
        _maxTokens = options.MaxSequenceLength;
        (_session, Provider) = CreateSession(files, options, logger);
        try
        {
            _tokenizer = tokenizer();
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _clsId = _tokenizer.ClassificationTokenId;
        _sepId = _tokenizer.SeparatorTokenId;
        _padId = _tokenizer.PaddingTokenId;
        _hasTokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        // The token embeddings: the rank-3 output ([batch, tokens, dim]); some exports add a pooled one.
        _outputName = _session.OutputMetadata.FirstOrDefault(o => o.Value.Dimensions.Length == 3).Key
            ?? throw new InvalidDataException($"The encoder '{files.ModelPath}' has no [batch, tokens, dim] output.");
        Dimension = checked((int)_session.OutputMetadata[_outputName].Dimensions[^1]);
        _ids = new long[_maxTokens];
        _mask = new long[_maxTokens];
        _types = new long[_maxTokens];
        var takesEmbeddings = _session.InputMetadata.ContainsKey(Int8Quantizer.EmbeddingsInput);
        if (takesEmbeddings != (files.EmbeddingsPath is not null))
        {
            _session.Dispose();
            throw new InvalidDataException(takesEmbeddings
                ? $"The encoder '{files.ModelPath}' takes its word embeddings as an input, and no table was given for it."
                : $"A word-embedding table was given for the encoder '{files.ModelPath}', which does not take one.");
        }

        if (files.EmbeddingsPath is { } table)
        {
            _embeddings = WordEmbeddings.Shared(table);
            if (_embeddings.Dimension != Dimension)
            {
                _session.Dispose();
                throw new InvalidDataException($"The word-embedding table '{table}' has rows of {_embeddings.Dimension}, the encoder {Dimension}.");
            }

            _embeds = new float[_maxTokens * Dimension];
        }
    }

    /// <summary>The model's WordPiece tokenizer, from its vocabulary file.</summary>
    internal static BertTokenizer CreateTokenizer(ModelFiles files) =>
        BertTokenizer.Create(files.VocabPath, new BertOptions { LowerCaseBeforeTokenization = true, ApplyBasicTokenization = true });

    /// <summary>The WordPiece tokenizer (stateless, so encoders of the same model share it).</summary>
    public BertTokenizer Tokenizer => _tokenizer;

    /// <summary>Length of the embeddings.</summary>
    public int Dimension { get; }

    /// <summary>The execution provider that actually runs ("CPU" or "CUDA").</summary>
    public string Provider { get; }

    /// <summary>Encodes one sentence into <paramref name="destination"/> (length <see cref="Dimension"/>).</summary>
    public void Encode(string text, Span<float> destination)
    {
        int length;
        using (RuntimeTelemetry.Source.StartActivity("tokenize"))
        {
            length = Tokenize(text, _ids, _mask);
        }

        using var activity = RuntimeTelemetry.Source.StartActivity("encode");
        activity?.SetTag("tokens", length);
        Run(1, length, _ids, _mask, _types, destination);
    }

    /// <summary>Encodes many sentences in batches (catalog preparation); row i of the result is sentence i.</summary>
    public float[] EncodeMany(IReadOnlyList<string> texts, int batchSize = 32)
    {
        var result = new float[texts.Count * Dimension];
        var ids = new long[batchSize * _maxTokens];
        var mask = new long[batchSize * _maxTokens];
        var types = new long[batchSize * _maxTokens];
        var lengths = new int[batchSize];
        for (var offset = 0; offset < texts.Count; offset += batchSize)
        {
            var count = Math.Min(batchSize, texts.Count - offset);
            for (var i = 0; i < count; i++)
            {
                lengths[i] = Tokenize(texts[offset + i], ids.AsSpan(i * _maxTokens, _maxTokens), mask.AsSpan(i * _maxTokens, _maxTokens));
            }

            // Pad to the longest sentence of this batch only: compact the rows to that width.
            var width = lengths.AsSpan(0, count).ToArray().Max();
            for (var i = 0; i < count; i++)
            {
                var row = ids.AsSpan(i * width, width);
                ids.AsSpan(i * _maxTokens, lengths[i]).CopyTo(row);
                row[lengths[i]..].Fill(_padId);
                var maskRow = mask.AsSpan(i * width, width);
                maskRow[..lengths[i]].Fill(1);
                maskRow[lengths[i]..].Clear();
            }

            Run(count, width, ids, mask, types, result.AsSpan(offset * Dimension, count * Dimension));
        }

        return result;
    }

    public void Dispose() => _session.Dispose();

    private int Tokenize(string text, Span<long> ids, Span<long> mask)
    {
        // Room for [CLS] and [SEP]; longer input is truncated, which is what the model was trained with.
        var pieces = _tokenizer.EncodeToIds(text, _maxTokens - 2, addSpecialTokens: false, out _, out _);
        ids[0] = _clsId;
        for (var i = 0; i < pieces.Count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        var length = pieces.Count + 2;
        ids[length - 1] = _sepId;
        mask[..length].Fill(1);
        return length;
    }

    private void Run(int batch, int width, long[] ids, long[] mask, long[] types, Span<float> destination)
    {
        long[] shape = [batch, width];
        var count = batch * width;
        using var idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids.AsMemory(0, count), shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mask.AsMemory(0, count), shape);
        using var typesValue = _hasTokenTypes ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, types.AsMemory(0, count), shape) : null;
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = idsValue, ["attention_mask"] = maskValue };
        if (typesValue is not null)
        {
            inputs["token_type_ids"] = typesValue;
        }

        using var embedsValue = _embeddings is null ? null : LookUp(batch, width, ids);
        if (embedsValue is not null)
        {
            inputs[Int8Quantizer.EmbeddingsInput] = embedsValue;
        }

        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, inputs, [_outputName]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();

        // Mean pooling over real tokens, then L2 normalisation: sentence-transformers' recipe for
        // this model, so cosine similarity is a dot product.
        for (var b = 0; b < batch; b++)
        {
            var row = destination.Slice(b * Dimension, Dimension);
            row.Clear();
            var tokens = 0;
            for (var t = 0; t < width; t++)
            {
                if (mask[(b * width) + t] == 0)
                {
                    continue;
                }

                TensorPrimitives.Add(row, hidden.Slice(((b * width) + t) * Dimension, Dimension), row);
                tokens++;
            }

            TensorPrimitives.Divide(row, Math.Max(tokens, 1), row);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, row);
            }
        }
    }

    /// <summary>The word embeddings of <paramref name="ids"/> ([batch, width, dimension]), from the INT8 model's table.</summary>
    private OrtValue LookUp(int batch, int width, long[] ids)
    {
        var count = batch * width;
        var embeds = count <= _maxTokens ? _embeds! : new float[count * Dimension];
        _embeddings!.Lookup(ids.AsSpan(0, count), embeds.AsSpan(0, count * Dimension));
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, embeds.AsMemory(0, count * Dimension), [batch, width, Dimension]);
    }

    private static (InferenceSession Session, string Provider) CreateSession(ModelFiles files, NluOptions options, ILogger logger)
    {
        var modelPath = files.ModelPath;
        var stopwatch = Stopwatch.StartNew();
        string? cudaFailure = null;
        if (options.ExecutionProvider == ExecutionProvider.Cuda)
        {
            var cudaOptions = CreateSessionOptions(options);
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                var session = new InferenceSession(modelPath, cudaOptions);
                LogCuda(logger, options.CudaDeviceId, stopwatch.Elapsed.TotalMilliseconds);
                return (session, "CUDA");
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                cudaOptions.Dispose();
                cudaFailure = e.Message;
            }
        }

        var cpuOptions = CreateSessionOptions(options);
        var bytes = SharedOrtModel(files, options, logger);

        // The session reads its weights straight from the shared pinned buffer instead of
        // copying them: every lane's session uses the same 90 MB.
        cpuOptions.AddSessionConfigEntry("session.use_ort_model_bytes_directly", "1");
        cpuOptions.AddSessionConfigEntry("session.use_ort_model_bytes_for_initializers", "1");
        if (files.Precision == ModelPrecision.Int8 && !options.PrepackInt8Weights)
        {
            // No second, pre-packed copy of the int8 weights per session: the kernels read them from
            // the shared buffer and pack per call (fp32 would lose half its speed that way, so it
            // keeps its pre-packed weights).
            cpuOptions.AddSessionConfigEntry("session.disable_prepacking", "1");
        }

        var cpu = new InferenceSession(bytes, cpuOptions);

        // Exactly one line says which provider runs, and why when it is not the one asked for.
        if (cudaFailure is null)
        {
            LogCpu(logger, files.Precision, options.IntraOpThreads, stopwatch.Elapsed.TotalMilliseconds);
        }
        else
        {
            LogCudaFallback(logger, files.Precision, options.IntraOpThreads, cudaFailure);
        }

        return (cpu, "CPU");
    }

    private static readonly Dictionary<string, byte[]> OrtModels = new(StringComparer.Ordinal);
    private static readonly Lock OrtModelsLock = new();

    /// <summary>
    /// The model in ONNX Runtime's own format (graph optimised once, converted and cached on disk
    /// with its SHA-256 beside it), loaded once per process into a pinned buffer that lives as long
    /// as the process: sessions created with <c>use_ort_model_bytes_directly</c> keep pointing into
    /// it. What runs is verified: the bytes read are hashed against the stamp written when the file
    /// was made, and a file changed since (or without a stamp) is made again from the verified model.
    /// </summary>
    private static byte[] SharedOrtModel(ModelFiles files, NluOptions options, ILogger logger)
    {
        var path = OrtPath(files, options);
        lock (OrtModelsLock)
        {
            if (!OrtModels.TryGetValue(path, out var bytes))
            {
                OrtModels[path] = bytes = LoadOrMakeOrt(files, path, logger);
            }

            return bytes;
        }
    }

    /// <summary>Where the ORT-format model of <paramref name="files"/> is cached (its digest beside it, <c>.sha256</c>).</summary>
    internal static string OrtPath(ModelFiles files, NluOptions options) =>
        Path.Combine(options.ResolveCacheDirectory(), "models", $"{files.Fingerprint[..16]}-ort{OrtEnv.Instance().GetVersionString()}.ort");

    /// <summary>The cached ORT-format model when its bytes match its digest, else made again from <paramref name="files"/>' model.</summary>
    internal static byte[] LoadOrMakeOrt(ModelFiles files, string path, ILogger logger)
    {
        var stamp = path + ".sha256";
        if (File.Exists(path) && File.Exists(stamp))
        {
            var bytes = ReadPinned(path);
            if (ModelProvisioner.Sha256Hex(bytes) == File.ReadAllText(stamp).Trim())
            {
                return bytes;
            }

            LogOrtChanged(logger, path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp.ort";
        using (var convert = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = temporary })
        {
            convert.AddSessionConfigEntry("session.save_model_format", "ORT");
            using var once = new InferenceSession(files.ModelPath, convert);
        }

        var made = ReadPinned(temporary);
        File.WriteAllText(stamp, ModelProvisioner.Sha256Hex(made));
        File.Move(temporary, path, overwrite: true);
        return made;
    }

    private static byte[] ReadPinned(string path)
    {
        using var stream = File.OpenRead(path);
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)stream.Length), pinned: true);
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Session settings for single-request latency; each one is explained in Vehicle.Runtime/README.md.</summary>
    private static SessionOptions CreateSessionOptions(NluOptions options)
    {
        var session = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            EnableCpuMemArena = options.EnableMemoryArena,
            EnableMemoryPattern = false,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        // Idle intra-op threads must not spin: they would take the core the other lanes run on.
        session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return session;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cached ONNX Runtime model {Path} changed since it was made (or lost its digest): made again from the verified model")]
    private static partial void LogOrtChanged(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encoder running on CUDA (device {Device}), fp32, session created in {Milliseconds:F0} ms")]
    private static partial void LogCuda(ILogger logger, int device, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encoder running on CPU, {Precision} ({Threads} intra-op thread(s)), session created in {Milliseconds:F0} ms")]
    private static partial void LogCpu(ILogger logger, ModelPrecision precision, int threads, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encoder running on CPU, {Precision} ({Threads} intra-op thread(s)): the CUDA execution provider could not start: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, ModelPrecision precision, int threads, string reason);
}
