using System.Net;
using System.Net.Sockets;

namespace Vehicle.Bus.Loopback;

/// <summary>What a <see cref="LoopbackProxy"/> does with the connections through it.</summary>
public enum ProxyState
{
    /// <summary>Bytes flow both ways.</summary>
    Forwarding,

    /// <summary>Connections are closed and new ones refused (a clean loss of network).</summary>
    Cut,

    /// <summary>Connections stay open but bytes vanish (a tunnel: the half-open link keep-alive must notice).</summary>
    Blackhole,
}

/// <summary>
/// A TCP proxy on loopback between the car and its broker, to cut, black-hole and restore the
/// link for real: the simulator's connectivity events and the tests' tunnels go through it.
/// </summary>
public sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _links = [];
    private readonly Task _accepting;
    private volatile ProxyState _state = ProxyState.Forwarding;

    /// <summary>Listens on a free loopback port and forwards to <paramref name="target"/>.</summary>
    public LoopbackProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The port to connect to instead of the target's.</summary>
    public int Port { get; }

    /// <summary>What one lost segment costs: TCP retransmits it after about this long.</summary>
    public static readonly TimeSpan RetransmissionDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Added delay before each forwarded chunk (real time), in both directions.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Fraction of chunks "lost": each costs an extra <see cref="RetransmissionDelay"/>.</summary>
    public double Loss { get; set; }

    /// <summary>Random source for <see cref="Loss"/> (seeded by a simulation).</summary>
    public Random Random { get; set; } = new();

    /// <summary>The current state.</summary>
    public ProxyState State
    {
        get => _state;
        set
        {
            _state = value;
            if (value == ProxyState.Cut)
            {
                CloseAll();
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        CloseAll();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_state == ProxyState.Cut)
            {
                client.Dispose();
                continue;
            }

            var upstream = new TcpClient { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_gate)
            {
                _links.Add((client, upstream));
            }

            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            while (true)
            {
                var read = await source.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var delay = Latency;
                if (Loss > 0)
                {
                    lock (Random)
                    {
                        delay += Random.NextDouble() < Loss ? RetransmissionDelay : TimeSpan.Zero;
                    }
                }

                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, TimeProvider.System, _stop.Token).ConfigureAwait(false);
                }

                if (_state == ProxyState.Forwarding)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, read), _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }

        from.Dispose();
        to.Dispose();
    }

    private void CloseAll()
    {
        lock (_gate)
        {
            foreach (var (client, upstream) in _links)
            {
                client.Dispose();
                upstream.Dispose();
            }

            _links.Clear();
        }
    }
}
