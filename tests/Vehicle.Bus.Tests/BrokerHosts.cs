using Vehicle.Bus.Loopback;

namespace Vehicle.Bus.Tests;

/// <summary>A broker a test owns: where it listens, and how to restart it.</summary>
public interface IBrokerHost : IAsyncDisposable
{
    Uri Uri { get; }

    Task StartAsync();

    /// <summary>Stops the broker: gracefully (SIGTERM) or not (SIGKILL).</summary>
    Task StopAsync(bool kill);
}

/// <summary>The embedded MQTTnet broker.</summary>
public sealed class EmbeddedHost : IBrokerHost
{
    private readonly int _port = EmbeddedBroker.FreePort();
    private EmbeddedBroker? _broker;

    public Uri Uri => new($"mqtt://127.0.0.1:{_port}");

    /// <summary>Starts a fresh broker on the same port (an in-process broker's sessions die with it, as in a real restart).</summary>
    public async Task StartAsync() => _broker = await EmbeddedBroker.StartAsync(_port);

    public async Task StopAsync(bool kill)
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
            _broker = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(kill: true));
}

/// <summary>A real Mosquitto 2.x (see <see cref="MosquittoProcess"/>).</summary>
public sealed class MosquittoHost(string? listenerSettings = null, bool tls = false) : IBrokerHost
{
    private readonly MosquittoProcess _process = new(listenerSettings, tls);

    public Uri Uri => _process.Uri;

    public int Port => _process.Port;

    public Task StartAsync() => _process.StartAsync();

    public Task StopAsync(bool kill) => _process.StopAsync(kill);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
