using System.Diagnostics;
using Vehicle.Bus.Mqtt;

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

/// <summary>
/// A real Mosquitto 2.x on a free loopback port, with a generated configuration in its own
/// folder: plain, or with TLS (certificates from <see cref="TestPki"/>), a password file and an ACL.
/// </summary>
public sealed class MosquittoHost : IBrokerHost
{
    private readonly string _config;
    private Process? _process;

    public MosquittoHost(string? extraConfig = null, bool tls = false)
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
            max_queued_messages 10000
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            listener {Port} 127.0.0.1
            {extraConfig ?? "allow_anonymous true"}

            """);
    }

    public string Directory { get; }

    public int Port { get; }

    public Uri Uri { get; }

    public static string Executable => File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";

    /// <summary>Starts mosquitto and returns once it says it is running (its log goes to <see cref="Log"/>).</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Executable, ["-c", _config]) { RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        _process = process;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            Log.Enqueue(line);
            if (line.Contains(" running", StringComparison.Ordinal))
            {
                _ = DrainAsync(process);
                return;
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}: {string.Join('\n', Log)}");
    }

    /// <summary>What mosquitto logged.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

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
            Assert.Equal(0, Signal(_process.Id, 15));
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(kill: true);
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
        while (await process.StandardError.ReadLineAsync() is { } line)
        {
            Log.Enqueue(line);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

}
