using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Cloud;

/// <summary>
/// The runtime's connection to the cloud, from configuration: the bus gateway, and in the
/// embedded mode the loopback broker and the built-in responder it talks to.
/// </summary>
public sealed class CloudLink : IAsyncDisposable
{
    private readonly EmbeddedBroker? _broker;
    private readonly CloudResponder? _responder;
    private string? _scratchOutbox;

    private CloudLink(BusCloudGateway gateway, EmbeddedBroker? broker, CloudResponder? responder)
    {
        Gateway = gateway;
        _broker = broker;
        _responder = responder;
    }

    /// <summary>The gateway for the command channel.</summary>
    public BusCloudGateway Gateway { get; }

    /// <summary>Starts what <paramref name="configuration"/> asks for; null when the mode is <c>off</c>.</summary>
    /// <param name="configuration">Sections Cloud, Bus and Responder.</param>
    /// <param name="time">Clock.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="privacy">Redaction and the egress guard for every question (the runtime always passes one).</param>
    /// <exception cref="ArgumentException">An unknown mode, or remote without a broker.</exception>
    public static async Task<CloudLink?> StartAsync(IConfiguration configuration, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, CloudPrivacy? privacy = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var cloud = configuration.GetSection(CloudOptions.SectionName).Get<CloudOptions>() ?? new CloudOptions();
        var bus = configuration.GetSection(CarBusOptions.SectionName).Get<CarBusOptions>() ?? new CarBusOptions();
        switch (cloud.Mode)
        {
            case "off":
                return null;
            case "remote":
                if (string.IsNullOrEmpty(bus.Connection.Broker))
                {
                    throw new ArgumentException("Cloud:Mode is remote but Bus:Connection:Broker is not set");
                }

                return new CloudLink(BusCloudGateway.Start(bus, time, loggerFactory, privacy: privacy), null, null);
            case "embedded":
                var broker = await EmbeddedBroker.StartAsync(loggerFactory: loggerFactory).ConfigureAwait(false);
                try
                {
                    var responderOptions = configuration.GetSection(ResponderOptions.SectionName).Get<ResponderOptions>() ?? new ResponderOptions();
                    responderOptions.Connection.Broker = broker.Uri.ToString();
                    responderOptions.Workers = Math.Min(responderOptions.Workers, 4);
                    var responder = await CloudResponder.StartAsync(responderOptions, new OfflineBackend(responderOptions.Offline, time), time, loggerFactory).ConfigureAwait(false);
                    bus.Connection = new BrokerOptions { Broker = broker.Uri.ToString() };
                    // The embedded broker and responder live as long as this process, so its outbox
                    // does too (a per-process file: concurrent runs never share one). Store-and-forward
                    // across restarts is the remote mode's job.
                    string? scratch = null;
                    if (string.IsNullOrEmpty(bus.OutboxPath))
                    {
                        scratch = bus.OutboxPath = Path.Combine(Path.GetTempPath(), $"vehicle-copilot-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
                    }

                    return new CloudLink(BusCloudGateway.Start(bus, time, loggerFactory, privacy: privacy), broker, responder) { _scratchOutbox = scratch };
                }
                catch
                {
                    await broker.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

            default:
                throw new ArgumentException($"Cloud:Mode must be embedded, remote or off, not '{cloud.Mode}'");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync().ConfigureAwait(false);
        if (_responder is not null)
        {
            await _responder.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }

        if (_scratchOutbox is not null)
        {
            QueryOutbox.Delete(_scratchOutbox);
        }
    }
}
