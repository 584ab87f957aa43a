using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Vehicle.Runtime.Hosting;

/// <summary>
/// Configuration and logging as every command-line host of the car reads them:
/// <c>appsettings.json</c> beside the binary, then environment variables (<c>Nlu__ExecutionProvider=cuda</c>);
/// logs on stderr, one line each (stdout carries results only).
/// </summary>
public static class CopilotConfiguration
{
    /// <summary><c>appsettings.json</c> beside the binary (optional), then environment variables.</summary>
    public static IConfiguration Load() =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
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
