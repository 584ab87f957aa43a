using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

/// <summary>Start-up: the derived-data cache, an OEM catalog, provider fallback.</summary>
public sealed class UnderstanderPreparationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vehicle-prep-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Create_OemAddsIntentByEditingCatalog_RecognisedAfterRestartAndCached()
    {
        // An OEM adds a command by editing YAML only: no code, no training step run by hand.
        var catalogPath = Path.Combine(_directory, "catalog.yaml");
        var yaml = File.ReadAllText(new NluOptions().ResolveCatalogPath()).Replace("intents:\n", """
            intents:
              - name: massage.start
                lane: critical
                examples:
                  - start the seat massage
                  - massage my back
                  - turn on the massage function
                  - i want a back massage
                  - activate seat massage
                  - give me a massage
                  - massage please
                  - switch on the lumbar massage
                  - my back hurts, start the massager
                  - begin the massage program
                  - can the seat massage me
                  - run the massage
                response: "Starting the massage."

            """, StringComparison.Ordinal);
        File.WriteAllText(catalogPath, yaml);
        var options = new NluOptions { CatalogPath = catalogPath, CacheDirectory = _directory };

        using (var understander = Understander.Create(options))
        {
            Assert.Equal("massage.start", understander.Understand("could you get the massage going in my seat").Intent);
        }

        var heads = Directory.GetFiles(Path.Combine(_directory, "heads"));
        var head = Assert.Single(heads);
        var written = File.GetLastWriteTimeUtc(head);

        // Restart: the head comes from the cache (same file, untouched).
        using (var understander = Understander.Create(options))
        {
            Assert.Equal("massage.start", understander.Understand("massage my shoulders please").Intent);
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(Assert.Single(Directory.GetFiles(Path.Combine(_directory, "heads")))));

        // A changed catalog is a new key: a second head appears.
        File.WriteAllText(catalogPath, yaml.Replace("run the massage", "run the massage now", StringComparison.Ordinal));
        using (Understander.Create(options))
        {
        }

        Assert.Equal(2, Directory.GetFiles(Path.Combine(_directory, "heads")).Length);
    }

    [Fact]
    public void Create_Int8_RunsTheFp32EncodersHead()
    {
        var fp32Options = new NluOptions { CacheDirectory = _directory, Precision = ModelPrecision.Fp32 };
        double threshold;
        using (var fp32 = Understander.Create(fp32Options))
        {
            threshold = fp32.Threshold;
        }

        var head = Assert.Single(Directory.GetFiles(Path.Combine(_directory, "heads")));
        var written = File.GetLastWriteTimeUtc(head);

        // The INT8 model is made from the fp32 one, and the head is the fp32 encoder's: no new
        // head, the same calibrated threshold, and it understands through the int8 embeddings.
        using var int8 = Understander.Create(new NluOptions { CacheDirectory = _directory, Precision = ModelPrecision.Int8 });
        Assert.Equal(head, Assert.Single(Directory.GetFiles(Path.Combine(_directory, "heads"))));
        Assert.Equal(written, File.GetLastWriteTimeUtc(head));
        Assert.Equal(threshold, int8.Threshold);
        Assert.Equal("window.open", int8.Understand("open my window halfway").Intent);
        Assert.Equal(IntentCatalogCloud, int8.Understand("who wrote the brothers karamazov").Intent);
    }

    [Fact]
    public void Create_Int8_FirstStart_TrainsTheHeadOnTheFp32Encoder()
    {
        // A cold cache with INT8 asked: the head is trained once, by the fp32 model, under the fp32 key,
        // so a later fp32 start finds it.
        using (Understander.Create(new NluOptions { CacheDirectory = _directory, Precision = ModelPrecision.Int8 }))
        {
        }

        var head = Assert.Single(Directory.GetFiles(Path.Combine(_directory, "heads")));
        var written = File.GetLastWriteTimeUtc(head);
        using (Understander.Create(new NluOptions { CacheDirectory = _directory }))
        {
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(Assert.Single(Directory.GetFiles(Path.Combine(_directory, "heads")))));
    }

    private const string IntentCatalogCloud = "cloud.query";

    [Fact]
    public void Create_CudaRequestedWithoutGpu_FallsBackToCpu()
    {
        using var understander = Understander.Create(new NluOptions { ExecutionProvider = ExecutionProvider.Cuda });
        Assert.Equal("CPU", understander.Provider);
        Assert.Equal("window.open", understander.Understand("open my window halfway").Intent);
    }

    [Fact]
    public void Create_ConfiguredThreshold_Overrides()
    {
        using var understander = Understander.Create(new NluOptions { OutOfDomainThreshold = 0.99 });
        Assert.Equal(0.99, understander.Threshold);
    }

    [Fact]
    public void Create_BrokenCacheFile_IsRebuilt()
    {
        var options = new NluOptions { CacheDirectory = _directory };
        using (Understander.Create(options))
        {
        }

        var head = Directory.GetFiles(Path.Combine(_directory, "heads")).Single();
        File.WriteAllBytes(head, [1, 2, 3]);
        using var understander = Understander.Create(options);
        Assert.Equal("window.open", understander.Understand("open my window halfway").Intent);
    }
}
