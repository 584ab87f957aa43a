using BenchmarkDotNet.Attributes;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>The rule part of understanding alone (no model): cleaning, tokenising and slot filling.</summary>
[MemoryDiagnoser]
public class SlotBenchmarks
{
    private IntentDefinition _intent = null!;

    [Params("window.open|open the back left window halfway please", "phone.message|text Anna that I'm running late")]
    public string Case { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup() => _intent = CatalogLoader.Load(new NluOptions().ResolveCatalogPath())[Case.Split('|')[0]];

    [Benchmark]
    public int Extract() => SlotExtractor.Extract(_intent, Utterance.Parse(Case.Split('|')[1]), Seat.Driver).Slots.Count;
}
