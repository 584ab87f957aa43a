using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Vehicle.Runtime.Hosting;

namespace Vehicle.Runtime.Tests;

/// <summary><c>serve</c> run as a real process (the built CLI), and clients of its Unix socket.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServeProcess(Process process, string socket)
    {
        _process = process;
        Socket = socket;
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string Socket { get; }

    public int Id => _process.Id;

    /// <summary>Everything the service wrote (stdout and stderr).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>serve</c> with its state under <paramref name="state"/> and the extra settings.</summary>
    public static ServeProcess Start(string state, IDictionary<string, string> settings, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vehicle.Runtime.Cli.dll"));
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var socket = Path.Combine(state, "run", "copilot.sock");
        start.Environment["XDG_STATE_HOME"] = state;
        start.Environment["Profile__Path"] = Path.Combine(state, "profile.db");
        start.Environment["Serve__Socket"] = socket;
        RealClock.GenerousBudgets(start.Environment);
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        return new ServeProcess(Process.Start(start)!, socket);
    }

    /// <summary>A gRPC channel over the service's Unix socket.</summary>
    public GrpcChannel Channel() => UnixChannel(Socket);

    public static GrpcChannel UnixChannel(string socket) =>
        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { ConnectCallback = UnixSocket.Connect(socket) } });

    /// <summary>Waits until the readiness health service says SERVING (model loaded, vehicle API connected).</summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> WaitReadyAsync(TimeSpan? limit = null)
    {
        var until = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            Assert.False(_process.HasExited, $"serve exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{Log}");
            if (File.Exists(Socket))
            {
                try
                {
                    using var channel = Channel();
                    var status = (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "readiness" }, deadline: DateTime.UtcNow.AddSeconds(5))).Status;
                    if (status == HealthCheckResponse.Types.ServingStatus.Serving)
                    {
                        return status;
                    }
                }
                catch (RpcException) when (DateTime.UtcNow < until)
                {
                }
            }

            Assert.True(DateTime.UtcNow < until, $"serve did not become ready:\n{Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGTERM (what systemd sends) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to end by itself (a start that fails).</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
