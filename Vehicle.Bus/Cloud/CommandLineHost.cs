using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Vehicle.Bus.Cloud;

/// <summary>
/// What the command-line entry points (the bus's and the runtime's) share: configuration from a
/// JSON file beside the binary, then environment variables; logs on stderr, one line each
/// (stdout carries results only).
/// </summary>
public static class CommandLineHost
{
    /// <summary><paramref name="jsonFile"/> beside the binary (optional), then environment variables.</summary>
    public static IConfiguration LoadConfiguration(string jsonFile) =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile(jsonFile, optional: true)
            .AddEnvironmentVariables()
            .Build();

    /// <summary>Single-line console logging to stderr, levels from the <c>Logging</c> section.</summary>
    public static ILoggerFactory CreateLogging(IConfiguration configuration) =>
        LoggerFactory.Create(logging =>
        {
            logging.AddConfiguration(configuration.GetSection("Logging"));
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
            logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
}
