using BenchmarkDotNet.Attributes;
using Vehicle.Bus;
using Vehicle.Bus.Car;

namespace Vehicle.Perf;

/// <summary>
/// What the durable outbox costs per query (WAL, synchronous=NORMAL): its INSERT, then the reply's
/// transaction (DELETE of the query, INSERT of the reply), then the reply's DELETE once handed over.
/// </summary>
[MemoryDiagnoser]
public class OutboxBenchmarks : IDisposable
{
    private readonly DateTimeOffset _expires = DateTimeOffset.UnixEpoch.AddYears(100);
    private string _directory = string.Empty;
    private QueryOutbox _outbox = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("outbox-bench-").FullName;
        _outbox = new QueryOutbox(Path.Combine(_directory, "o.db"), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _outbox.Dispose();
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "Add + Answer + Delivered: one query's life")]
    public void AddAnswerDeliver()
    {
        var query = new BusQuery(Guid.NewGuid(), "what is the capital of australia", _expires, "driver");
        _outbox.Add(query, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        _outbox.Answer(new BusReply(query.Id, query.Text, query.Speaker, "The capital of Australia is Canberra.", null, null));
        _outbox.Delivered(query.Id);
    }
}
