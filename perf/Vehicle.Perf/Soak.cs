using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Runtime.Commands;

namespace Vehicle.Perf;

/// <summary>
/// <c>soak QUERIES COMMANDS</c>: the process's resources across a long run. QUERIES distinct world
/// questions go car → embedded broker → responder → car (the embedded cloud as the car runs it:
/// per-start accounts, signed replies, the durable outbox; 64 in flight), then COMMANDS commands
/// through the shipped car's channel (two submitters). RSS, managed heap after a full GC, open
/// file descriptors and threads are sampled at the start (after a warm-up) and at every tenth of
/// each phase: leaks show as a slope, not as a level.
/// </summary>
internal static class Soak
{
    private static readonly string[] Commands =
    [
        "set the temperature to 21 degrees", "turn on the seat heater", "open the window halfway", "turn off the seat heater",
        "set the fan to 3", "close the window", "turn on the reading light", "set the temperature to 23", "turn off the reading light",
        "lock the doors", "play some jazz", "turn the volume up", "next song", "turn on the ac", "turn off the ac",
    ];

    public static async Task RunAsync(int queries, int commands)
    {
        var samples = new List<(string Phase, int Done, Sample Sample, int History)>();
        await using var cloud = await EmbeddedCloud.StartAsync(new ResponderOptions());
        var outbox = Path.Combine(Path.GetTempPath(), $"vehicle-soak-{Environment.ProcessId}.db");
        var sink = new CountingSink();
        var options = new CarBusOptions
        {
            Connection = cloud.CarConnection(),
            VehicleId = "soak-car",
            OutboxPath = outbox,
            ReplyKey = cloud.ReplyKey,
        };
        var start = Stopwatch.GetTimestamp();
        await using (var car = VehicleBusClient.Start(options, sink))
        {
            await AskAsync(car, sink, 2000, "warm-up");
            samples.Add(("queries", 0, Sample.Take(), 0));
            for (var tenth = 1; tenth <= 10; tenth++)
            {
                await AskAsync(car, sink, queries / 10, $"q{tenth}");
                samples.Add(("queries", queries * tenth / 10, Sample.Take(), 0));
            }

            Console.WriteLine($"{queries} queries in {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s; answered {sink.Answered - 2000}, duplicates {car.Statistics.DuplicateReplies}, unauthenticated commands {car.Statistics.UnauthenticatedCommands}, loop errors {car.Statistics.LoopErrors}, pending {car.Pending}");
        }

        VehicleBusClient.DeleteOutbox(outbox);
        await using (var perf = PerfCar.Start())
        {
            var channel = perf.Car;
            start = Stopwatch.GetTimestamp();
            var outcomes = new ConcurrentDictionary<OutcomeKind, int>();
            async Task SubmitAsync(int count, int offset)
            {
                for (var i = 0; i < count; i++)
                {
                    var outcome = await channel.SubmitAsync(Commands[(i + offset) % Commands.Length], Runtime.Nlu.Seat.Driver);
                    outcomes.AddOrUpdate(outcome.Kind, 1, (_, n) => n + 1);
                }
            }

            await Task.WhenAll(SubmitAsync(200, 0), SubmitAsync(200, 7));
            // Executed commands go into the driver's history, kept up to its cap (ProfileStore.HistoryCapacity).
            int History()
            {
                (channel.Profile as Runtime.Privacy.ProfileStore)?.FlushAsync().GetAwaiter().GetResult();
                return channel.Profile.Current.Data.History.Count;
            }

            samples.Add(("commands", 0, Sample.Take(), History()));
            for (var tenth = 1; tenth <= 10; tenth++)
            {
                await Task.WhenAll(SubmitAsync(commands / 20, tenth), SubmitAsync(commands / 20, tenth + 7));
                samples.Add(("commands", commands * tenth / 10, Sample.Take(), History()));
            }

            Console.WriteLine($"{commands} commands in {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s; outcomes {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        }

        Console.WriteLine();
        Console.WriteLine("| phase | done | RSS MB | managed heap MB | file descriptors | threads | history entries |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (phase, done, s, history) in samples)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {phase} | {done} | {s.RssMb:F1} | {s.HeapMb:F1} | {s.Descriptors} | {s.Threads} | {history} |"));
        }

        foreach (var phase in new[] { "queries", "commands" })
        {
            var of = samples.Where(s => s.Phase == phase).Select(s => s.Sample).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase}: RSS {of[0].RssMb:F1} → {of[^1].RssMb:F1} MB (max {of.Max(s => s.RssMb):F1}), heap {of[0].HeapMb:F1} → {of[^1].HeapMb:F1} MB, descriptors {of[0].Descriptors} → {of[^1].Descriptors}, threads {of[0].Threads} → {of[^1].Threads}"));
        }
    }

    /// <summary>Asks <paramref name="count"/> questions, at most <see cref="CountingSink.Window"/> unanswered at a time, and waits for every answer.</summary>
    private static async Task AskAsync(VehicleBusClient car, CountingSink sink, int count, string tag)
    {
        for (var i = 0; i < count; i++)
        {
            await sink.InFlight.WaitAsync();
            var result = car.Enqueue(new BusQuery(Guid.NewGuid(), $"what is the capital of france {tag}.{i}", TimeProvider.System.GetUtcNow().AddMinutes(5)));
            if (result.Status == EnqueueStatus.Refused)
            {
                throw new InvalidOperationException($"refused: {result.Error}");
            }
        }

        // Every slot back: every question of this batch answered.
        for (var i = 0; i < CountingSink.Window; i++)
        {
            await sink.InFlight.WaitAsync();
        }

        sink.InFlight.Release(CountingSink.Window);
    }

    private sealed class CountingSink : ICloudReplySink
    {
        public const int Window = 64;

        private long _answered;

        public long Answered => Interlocked.Read(ref _answered);

        /// <summary>A slot per unanswered question; an answer frees one.</summary>
        public SemaphoreSlim InFlight { get; } = new(Window);

        public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _answered);
            InFlight.Release();
            return ValueTask.CompletedTask;
        }

        public void OnDropped(BusQuery query, QueryDropReason reason) => throw new InvalidOperationException($"query dropped: {reason}");
    }

    private readonly record struct Sample(double RssMb, double HeapMb, int Descriptors, int Threads)
    {
        public static Sample Take()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
            using var process = Process.GetCurrentProcess();
            return new Sample(process.WorkingSet64 / 1048576.0, heap, Directory.GetFiles("/proc/self/fd").Length, process.Threads.Count);
        }
    }
}
