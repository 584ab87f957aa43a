using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Vehicle.Copilot.V1;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>
/// What the local API costs: the same vehicle commands submitted COUNT times to a car in this
/// process (<c>SubmitAsync</c>) and to <c>serve</c> started as a process (gRPC over its Unix
/// socket), one at a time, in the same run. Reports the caller's round trip, the car's own total
/// (admission to outcome) and the difference: what the socket, HTTP/2 and protobuf add.
/// </summary>
internal static class ServeBench
{
    private static readonly string[] Commands =
    [
        "open my window halfway", "turn on the air conditioning", "set the temperature to 21 degrees",
        "close the windows", "turn off the air conditioning", "set the fan speed to 5",
    ];

    public static async Task RunAsync(int count)
    {
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {count} commands each, one at a time, after 100 warm-up calls");

        await using (var car = PerfCar.Start())
        {
            var inProcess = new List<(double Call, double Total)>();
            for (var i = -100; i < count; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                var outcome = await car.Car.SubmitAsync(Commands[(i + 100) % Commands.Length], Seat.Driver);
                if (i >= 0)
                {
                    inProcess.Add((stopwatch.Elapsed.TotalMilliseconds, outcome.Total.TotalMilliseconds));
                }
            }

            Report("in process (CopilotHost.SubmitAsync)", inProcess);
        }

        var state = Directory.CreateTempSubdirectory("serve-bench-");
        var socket = Path.Combine(state.FullName, "copilot.sock");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vehicle.Runtime.Cli.dll"));
        start.ArgumentList.Add("serve");
        start.Environment["Serve__Socket"] = socket;
        start.Environment["Cloud__Mode"] = "off";
        start.Environment["Profile__Path"] = Path.Combine(state.FullName, "profile.db");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var serve = Process.Start(start)!;
        serve.BeginErrorReadLine();
        serve.BeginOutputReadLine();
        try
        {
            using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { ConnectCallback = UnixSocket.Connect(socket) } });
            var copilot = new Copilot.V1.Copilot.CopilotClient(channel);
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(socket))
            {
                if (DateTime.UtcNow > until || serve.HasExited)
                {
                    throw new InvalidOperationException("serve did not start");
                }

                await Task.Delay(50);
            }

            var overApi = new List<(double Call, double Total)>();
            for (var i = -100; i < count; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                var outcome = await copilot.SubmitAsync(new SubmitRequest { Text = Commands[(i + 100) % Commands.Length] }, deadline: DateTime.UtcNow.AddSeconds(5));
                if (i >= 0)
                {
                    overApi.Add((stopwatch.Elapsed.TotalMilliseconds, outcome.TotalMs));
                }
            }

            Report("serve over its Unix socket (gRPC)", overApi);
        }
        finally
        {
            serve.Kill();
            await serve.WaitForExitAsync();
            state.Delete(recursive: true);
        }
    }

    private static void Report(string name, List<(double Call, double Total)> samples)
    {
        static double Q(IEnumerable<double> values, double q)
        {
            var sorted = values.Order().ToList();
            return sorted[(int)Math.Round(q * (sorted.Count - 1))];
        }

        var added = samples.Select(s => s.Call - s.Total).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: caller's round trip p50 {Q(samples.Select(s => s.Call), 0.5):F2} ms, p99 {Q(samples.Select(s => s.Call), 0.99):F2} ms; " +
            $"car's total p50 {Q(samples.Select(s => s.Total), 0.5):F2} ms; added by the path p50 {Q(added, 0.5):F3} ms, p99 {Q(added, 0.99):F3} ms"));
    }
}
