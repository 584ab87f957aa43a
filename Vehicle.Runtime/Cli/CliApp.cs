using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Vehicle.Bus.Cloud;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// What a CLI command needs: configuration (<c>appsettings.json</c> beside the binary, then
/// environment variables), validated options, logging to stderr, and the car, with the embedded
/// cloud this host offers for <c>Cloud:Mode=embedded</c>.
/// </summary>
internal sealed class CliApp : IDisposable
{
    private CliApp(IConfiguration configuration, CopilotOptions options, ILoggerFactory loggerFactory)
    {
        Configuration = configuration;
        Options = options;
        LoggerFactory = loggerFactory;
    }

    public IConfiguration Configuration { get; }

    public CopilotOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public static CliApp Start()
    {
        var configuration = CopilotConfiguration.Load();
        var options = CopilotOptions.FromConfiguration(configuration);
        return new CliApp(configuration, options, CopilotConfiguration.CreateLogging(configuration));
    }

    /// <summary>Starts the car; its embedded cloud (when configured) is the built-in responder on an in-process broker.</summary>
    public CopilotHost StartCar() =>
        CopilotHost.StartAsync(Options, new CopilotServices { LoggerFactory = LoggerFactory, EmbeddedCloud = EmbeddedCloudOf(Configuration, LoggerFactory) }).GetAwaiter().GetResult();

    /// <summary>The profile store <c>Profile:Path</c> names, without a car (import, export, wipe, redact).</summary>
    public ProfileStore OpenProfile() => ProfileStore.Open(Options.Profile.ResolvePath());

    public void Dispose() => LoggerFactory.Dispose();

    /// <summary>What the command-line hosts offer for <c>Cloud:Mode=embedded</c>: the built-in responder (section <c>Responder</c>) on an in-process broker.</summary>
    public static Func<CancellationToken, Task<EmbeddedCloudLink>> EmbeddedCloudOf(IConfiguration configuration, ILoggerFactory loggerFactory) =>
        async _ =>
        {
            var responder = configuration.GetSection(ResponderOptions.SectionName).Get<ResponderOptions>() ?? new ResponderOptions();
            var cloud = await EmbeddedCloud.StartAsync(responder, loggerFactory: loggerFactory).ConfigureAwait(false);
            return new EmbeddedCloudLink(cloud.CarConnection(), cloud.ReplyKey, cloud);
        };
}
