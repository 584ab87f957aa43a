using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>The whole text-to-result path at batch 1: tokenise, encode, classify, slots.</summary>
[MemoryDiagnoser]
[Config(typeof(PercentileConfig))]
public class UnderstandBenchmarks
{
    private Understander _understander = null!;

    [Params(
        "open my window halfway",
        "set the temperature to twenty one degrees for the passenger",
        "text Anna that I'm running about fifteen minutes late because of traffic on the highway",
        "will it rain in Cairo tomorrow")]
    public string Text { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup() => _understander = Understander.Create(new NluOptions());

    [GlobalCleanup]
    public void Cleanup() => _understander.Dispose();

    [Benchmark]
    public Understanding Understand() => _understander.Understand(Text);

    private sealed class PercentileConfig : ManualConfig
    {
        public PercentileConfig() => AddColumn(StatisticColumn.Median, StatisticColumn.P95, StatisticColumn.Max);
    }
}
