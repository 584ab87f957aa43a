using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Runtime.Models;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

public sealed class ModelProvisionerTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("vehicle-models-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void Provision_FromPackage_ExtractsVerifiedModelAndVocabulary()
    {
        var files = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 }, NullLogger.Instance);

        Assert.StartsWith(_cache, files.ModelPath, StringComparison.Ordinal);
        Assert.Equal(ModelProvisioner.ModelSha256, ModelProvisioner.Sha256Hex(File.ReadAllBytes(files.ModelPath)));
        Assert.Equal(ModelProvisioner.VocabSha256, ModelProvisioner.Sha256Hex(File.ReadAllBytes(files.VocabPath)));
        Assert.Equal("[PAD]", File.ReadLines(files.VocabPath).First());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(files.ModelPath)!, "*.tmp"));
    }

    [Fact]
    public void Provision_Cached_DoesNotNeedThePackage()
    {
        ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 }, NullLogger.Instance);
        var again = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32, ModelPackagePath = "/nonexistent.dll" }, NullLogger.Instance);
        Assert.True(File.Exists(again.ModelPath));
    }

    // A cache changed after it was written, keeping its size, used to be run (only lengths were checked).
    [Fact]
    public void Provision_CacheTamperedAfterItWasWritten_ExtractedAgainNeverRun()
    {
        var files = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 }, NullLogger.Instance);
        Flip(files.ModelPath, new FileInfo(files.ModelPath).Length / 2);

        var again = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 }, NullLogger.Instance);

        Assert.Equal(ModelProvisioner.ModelSha256, ModelProvisioner.Sha256Hex(File.ReadAllBytes(again.ModelPath)));
        // Without the package to extract from, a tampered cache is refused, not run.
        Flip(files.ModelPath, 1000);
        Assert.ThrowsAny<IOException>(() => ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32, ModelPackagePath = "/nonexistent.dll" }, NullLogger.Instance));
    }

    // The ORT-format file is what the CPU sessions run: it is verified like the model it is made from.
    [Fact]
    public void OrtModel_ChangedAfterItWasMadeOrWithoutItsDigest_MadeAgainNeverRun()
    {
        var options = new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 };
        var files = ModelProvisioner.Provision(options, NullLogger.Instance);
        var path = SentenceEncoder.OrtPath(files, options);
        var made = SentenceEncoder.LoadOrMakeOrt(files, path, NullLogger.Instance);
        Assert.Equal(File.ReadAllText(path + ".sha256").Trim(), ModelProvisioner.Sha256Hex(made));
        Assert.Equal(ModelProvisioner.Sha256Hex(made), ModelProvisioner.Sha256Hex(File.ReadAllBytes(path)));

        // Warm: read and checked, not made again.
        var written = File.GetLastWriteTimeUtc(path);
        Assert.Equal(made, SentenceEncoder.LoadOrMakeOrt(files, path, NullLogger.Instance));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));

        Flip(path, made.Length / 2);
        var tampered = ModelProvisioner.Sha256Hex(File.ReadAllBytes(path));
        var again = SentenceEncoder.LoadOrMakeOrt(files, path, NullLogger.Instance);
        Assert.NotEqual(tampered, ModelProvisioner.Sha256Hex(again));
        Assert.Equal(File.ReadAllText(path + ".sha256").Trim(), ModelProvisioner.Sha256Hex(again));
        Assert.Equal(ModelProvisioner.Sha256Hex(again), ModelProvisioner.Sha256Hex(File.ReadAllBytes(path)));

        // A cache made before the digest existed is made again, with one.
        File.Delete(path + ".sha256");
        var stamped = SentenceEncoder.LoadOrMakeOrt(files, path, NullLogger.Instance);
        Assert.Equal(File.ReadAllText(path + ".sha256").Trim(), ModelProvisioner.Sha256Hex(stamped));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp.ort"));
    }

    private static void Flip(string path, long position)
    {
        using var stream = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = position;
        var original = (byte)stream.ReadByte();
        stream.Position = position;
        stream.WriteByte((byte)(original ^ 0xFF));
    }

    [Fact]
    public void Provision_Int8OnTheCpu_MadeOnceCachedAndMadeAgainWhenChanged()
    {
        var options = new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Int8 };
        var fp32 = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 }, NullLogger.Instance);

        var int8 = ModelProvisioner.Provision(options, NullLogger.Instance);

        Assert.Equal(ModelPrecision.Int8, int8.Precision);
        Assert.NotEqual(fp32.Fingerprint[..16], int8.Fingerprint[..16]); // caches keyed by it keep the two apart
        Assert.True(new FileInfo(int8.ModelPath).Length < new FileInfo(fp32.ModelPath).Length / 3);
        var made = File.GetLastWriteTimeUtc(int8.ModelPath);
        Assert.Equal(made, File.GetLastWriteTimeUtc(ModelProvisioner.Provision(options, NullLogger.Instance).ModelPath)); // warm: not made again
        // A warm int8 start reads neither the fp32 model nor the package.
        File.Delete(fp32.ModelPath);
        Assert.Equal(int8, ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Int8, ModelPackagePath = "/nonexistent.dll" }, NullLogger.Instance));
        Flip(int8.ModelPath, 5000);
        var again = ModelProvisioner.Provision(options, NullLogger.Instance);
        Assert.NotEqual(made, File.GetLastWriteTimeUtc(again.ModelPath));
        Assert.Equal(File.ReadAllLines(again.ModelPath + ".sha256")[0], ModelProvisioner.Sha256Hex(File.ReadAllBytes(again.ModelPath)));
    }

    [Fact]
    public void Provision_Int8_WordEmbeddingTableBesideTheModel_MadeAgainWhenChangedOrMissing()
    {
        var options = new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Int8 };
        var int8 = ModelProvisioner.Provision(options, NullLogger.Instance);

        // The 30,522 × 384 table is outside the graph: int8 rows and a scale per row.
        var table = Assert.IsType<string>(int8.EmbeddingsPath);
        Assert.Equal(16 + (30_522 * 384) + (30_522 * 4), new FileInfo(table).Length);
        Assert.True(new FileInfo(int8.ModelPath).Length < 15_000_000, $"{new FileInfo(int8.ModelPath).Length} bytes");
        Assert.Equal(ModelProvisioner.Sha256Hex(File.ReadAllBytes(table)), File.ReadAllLines(int8.ModelPath + ".sha256")[1]);

        var made = File.GetLastWriteTimeUtc(table);
        Flip(table, 1_000_000);
        var again = ModelProvisioner.Provision(options, NullLogger.Instance);
        Assert.NotEqual(made, File.GetLastWriteTimeUtc(table));
        Assert.Equal(ModelProvisioner.Sha256Hex(File.ReadAllBytes(table)), File.ReadAllLines(again.ModelPath + ".sha256")[1]);

        File.Delete(table);
        Assert.Equal(int8, ModelProvisioner.Provision(options, NullLogger.Instance));
        Assert.True(File.Exists(table));
    }

    [Fact]
    public void Provision_CudaAsked_Fp32WhateverThePrecision()
    {
        var files = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Int8, ExecutionProvider = ExecutionProvider.Cuda }, NullLogger.Instance);

        Assert.Equal(ModelPrecision.Fp32, files.Precision);
        Assert.EndsWith("all-MiniLM-L6-v2.onnx", files.ModelPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Provision_TamperedPackage_IsRefused()
    {
        var tampered = Path.Combine(_cache, "tampered.dll");
        File.Copy(ModelProvisioner.StampedPackagePath()!, tampered);
        using (var stream = File.OpenWrite(tampered))
        {
            // The model resource fills almost all of the 91 MB file: flip one byte in its middle.
            stream.Position = stream.Length / 2;
            stream.WriteByte(0x5A);
        }

        var error = Assert.Throws<InvalidDataException>(() =>
            ModelProvisioner.Provision(new NluOptions { CacheDirectory = Path.Combine(_cache, "c"), Precision = ModelPrecision.Fp32, ModelPackagePath = tampered }, NullLogger.Instance));
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cache, "c", "models", "all-MiniLM-L6-v2.onnx")));
    }

    [Fact]
    public void Provision_MissingPackage_ExplainsWhatToDo()
    {
        var error = Assert.Throws<FileNotFoundException>(() =>
            ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32, ModelPackagePath = "/nonexistent.dll" }, NullLogger.Instance));
        Assert.Contains("Nlu:ModelPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadManifestResource_NotAnAssembly_Throws()
    {
        var file = Path.Combine(_cache, "not.dll");
        File.WriteAllText(file, "hello");
        Assert.ThrowsAny<Exception>(() => ModelProvisioner.ReadManifestResource(file, ModelProvisioner.ModelResource));
    }

    [Fact]
    public void ReadManifestResource_UnknownName_Throws()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelProvisioner.ReadManifestResource(ModelProvisioner.StampedPackagePath()!, "nope.bin"));
        Assert.Contains("nope.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Provision_BringYourOwnModel_UsesConfiguredFiles()
    {
        var shipped = ModelProvisioner.Provision(new NluOptions { CacheDirectory = _cache, Precision = ModelPrecision.Fp32 }, NullLogger.Instance);
        var own = ModelProvisioner.Provision(new NluOptions { Precision = ModelPrecision.Fp32, ModelPath = shipped.ModelPath, VocabPath = shipped.VocabPath }, NullLogger.Instance);
        Assert.Equal(shipped.ModelPath, own.ModelPath);
        Assert.Equal(32, own.Fingerprint.Length);
        Assert.Throws<InvalidOperationException>(() => ModelProvisioner.Provision(new NluOptions { Precision = ModelPrecision.Fp32, ModelPath = shipped.ModelPath }, NullLogger.Instance));
    }
}
