using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Perf;

/// <summary>
/// The car a benchmark measures: the one that ships (<see cref="CopilotHost"/> with the default
/// options), with an empty scratch profile (a benchmark never touches the driver's) and only the
/// replacements the benchmark names.
/// </summary>
internal sealed class PerfCar : IAsyncDisposable
{
    private readonly string _profile;

    private PerfCar(CopilotHost car, string profile)
    {
        Car = car;
        _profile = profile;
    }

    public CopilotHost Car { get; }

    public static PerfCar Start(CopilotServices? services = null, CommandChannelOptions? channel = null, ModelPrecision? precision = null)
    {
        var profile = Path.Combine(Path.GetTempPath(), $"vehicle-perf-profile-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        var options = new CopilotOptions { Channel = channel ?? new CommandChannelOptions(), Cloud = { Mode = CloudMode.Off } };
        options.Profile.Path = profile;
        options.Nlu.Precision = precision ?? options.Nlu.Precision;
        return new PerfCar(CopilotHost.StartAsync(options, services).GetAwaiter().GetResult(), profile);
    }

    public async ValueTask DisposeAsync()
    {
        await Car.DisposeAsync().ConfigureAwait(false);
        ProfileStore.Delete(_profile);
    }
}
