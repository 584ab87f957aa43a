using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Vehicle.Bus;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Telemetry;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// What a CLI command needs: configuration (<c>appsettings.json</c> beside the binary, then
/// environment variables), logging to stderr, and telemetry when configured.
/// </summary>
internal sealed class CliApp : IDisposable
{
    private readonly IDisposable? _telemetry;

    private CliApp(IConfiguration configuration, NluOptions nlu, ILoggerFactory loggerFactory, IDisposable? telemetry)
    {
        Configuration = configuration;
        Nlu = nlu;
        LoggerFactory = loggerFactory;
        _telemetry = telemetry;
    }

    public IConfiguration Configuration { get; }

    public NluOptions Nlu { get; }

    public ILoggerFactory LoggerFactory { get; }

    public static CliApp Start()
    {
        var configuration = CommandLineHost.LoadConfiguration("appsettings.json");
        var nlu = configuration.GetSection(NluOptions.SectionName).Get<NluOptions>() ?? new NluOptions();
        var telemetry = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var loggerFactory = CommandLineHost.CreateLogging(configuration);

        return new CliApp(configuration, nlu, loggerFactory, TelemetrySetup.Start(telemetry));
    }

    public void Dispose()
    {
        _telemetry?.Dispose();
        LoggerFactory.Dispose();
    }
}
