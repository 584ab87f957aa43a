using System.Collections.Concurrent;
using System.Diagnostics;

namespace Vehicle.Bus.Loopback;

/// <summary>
/// A local Mosquitto 2.x (Debian package <c>mosquitto</c>) on a free loopback port with a generated
/// configuration in a folder of its own: for integration tests, benchmarks and simulations that
/// need a real broker they can stop (SIGTERM), kill (SIGKILL) and start again on the same port.
/// </summary>
public sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly string _config;
    private Process? _process;

    /// <summary>Writes the configuration; <see cref="StartAsync"/> starts the broker.</summary>
    /// <param name="listenerSettings">Lines for the listener (TLS, password file, ACL); default: anonymous access.</param>
    /// <param name="tls">Whether the listener speaks TLS (the address becomes <c>mqtts://localhost</c>).</param>
    public MosquittoProcess(string? listenerSettings = null, bool tls = false)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mosquitto-").FullName;
        Port = EmbeddedBroker.FreePort();
        Uri = new Uri($"{(tls ? "mqtts" : "mqtt")}://{(tls ? "localhost" : "127.0.0.1")}:{Port}");
        _config = Path.Combine(Directory, "mosquitto.conf");
        File.WriteAllText(_config, $"""
            per_listener_settings false
            user {Environment.UserName}
            persistence true
            persistence_location {Directory}/
            autosave_interval 3600
            max_queued_messages 100000
            max_inflight_messages 0
            set_tcp_nodelay true
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            listener {Port} 127.0.0.1
            {listenerSettings ?? "allow_anonymous true"}

            """);
    }

    /// <summary>The broker's folder (configuration, persistence); deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The broker's address.</summary>
    public Uri Uri { get; }

    /// <summary>What mosquitto logged.</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>The mosquitto binary.</summary>
    public static string Executable => File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";

    /// <summary>Starts mosquitto and returns once it says it is running.</summary>
    /// <exception cref="InvalidOperationException">It exited (the message has its log).</exception>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Executable, ["-c", _config]) { RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        _process = process;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await process.StandardError.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
        {
            Log.Enqueue(line);
            if (line.Contains(" running", StringComparison.Ordinal))
            {
                _ = DrainAsync(process);
                return;
            }
        }

        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}: {string.Join('\n', Log)}");
    }

    /// <summary>Stops the broker: gracefully (SIGTERM, it saves its sessions) or not (SIGKILL).</summary>
    public async Task StopAsync(bool kill)
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        if (kill)
        {
            _process.Kill();
        }
        else
        {
            using var signal = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await signal.WaitForExitAsync().ConfigureAwait(false);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _process = null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(kill: true).ConfigureAwait(false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task DrainAsync(Process process)
    {
        while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            Log.Enqueue(line);
        }
    }
}
