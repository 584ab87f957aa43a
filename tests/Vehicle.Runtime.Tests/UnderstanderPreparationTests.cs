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
