using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace Vehicle.Bus.Loopback;

/// <summary>
/// An in-process MQTT 5 broker (MQTTnet server) on loopback with persistent sessions: the default
/// when no broker is configured, so one command runs the whole system on one machine. Plain TCP on
/// 127.0.0.1 only; with <see cref="BrokerAccess"/> (as the embedded cloud starts it) only the
/// responder and the car, with passwords made for this start, get in, each to its own topics;
/// without, anyone on the machine may (tests and the simulator). MQTTnet's server has no shared
/// subscriptions; <see cref="SharedSubscriptions"/> adds them.
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
        Uri = new Uri($"mqtt://127.0.0.1:{port}");
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary><c>mqtt://127.0.0.1:{port}</c>.</summary>
    public Uri Uri { get; }

    /// <summary>Starts a broker on <paramref name="port"/> (0: a free one), open to anyone on the machine or only to <paramref name="access"/>'s accounts.</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port = 0, ILoggerFactory? loggerFactory = null, BrokerAccess? access = null)
    {
        if (port == 0)
        {
            port = FreePort();
        }

        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(10_000)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var shared = new SharedSubscriptions();
        // The server refuses "$share/..." before any subscription interceptor runs: rewrite the packet.
        server.InterceptingInboundPacketAsync += e =>
        {
            if (e.Packet is MqttSubscribePacket subscribe)
            {
                foreach (var topicFilter in subscribe.TopicFilters)
                {
                    if (SharedSubscriptions.TryParse(topicFilter.Topic, out var group, out var filter))
                    {
                        topicFilter.Topic = filter;
                        shared.Join(e.ClientId, group, filter);
                    }
                }
            }

            return Task.CompletedTask;
        };
        server.ClientDisconnectedAsync += e =>
        {
            shared.Leave(e.ClientId);
            return Task.CompletedTask;
        };
        server.InterceptingClientEnqueueAsync += e =>
        {
            e.AcceptEnqueue = shared.Accept(e.ReceiverClientId, e.ApplicationMessage);
            return Task.CompletedTask;
        };
        access?.Attach(server);
        await server.StartAsync().ConfigureAwait(false);
        var broker = new EmbeddedBroker(server, port);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EmbeddedBroker>();
        LogListening(logger, broker.Uri);
        return broker;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
    }

    /// <summary>A TCP port free on loopback right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Uri}")]
    private static partial void LogListening(ILogger logger, Uri uri);
}
