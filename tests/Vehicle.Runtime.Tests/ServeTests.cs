using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;
using Vehicle.Copilot.V1;
using Vehicle.Tests.Shared;
using CloudAnswer = Vehicle.Copilot.V1.CloudAnswer;

namespace Vehicle.Runtime.Tests;

/// <summary><c>serve</c> as an integrator runs it: a process, its Unix socket, SIGTERM.</summary>
public sealed class ServeTests
{
    private static readonly string[] Questions = ["who wrote hamlet", "what is the capital of australia", "how tall is mount everest"];

    [Fact]
    public async Task Serve_AnswersOverItsSocket_StreamsEvents_AndLosesNothingOnSigterm()
    {
        var state = Directory.CreateTempSubdirectory("serve-").FullName;
        await using var cloud = await EmbeddedCloud.StartAsync(new ResponderOptions());
        await using var proxy = new LoopbackProxy(new IPEndPoint(IPAddress.Loopback, cloud.Broker.Port)) { State = ProxyState.Cut };
        var connection = cloud.CarConnection();
        var settings = new Dictionary<string, string>
        {
            ["Cloud__Mode"] = "remote",
            ["Bus__Connection__Broker"] = $"mqtt://127.0.0.1:{proxy.Port}",
            ["Bus__Connection__Username"] = connection.Username!,
            ["Bus__Connection__Password"] = connection.Password!,
            ["Bus__Connection__AllowPlainTextPassword"] = "true",
            ["Bus__Connection__ReconnectMax"] = "00:00:00.500",
            ["Bus__ReplyKey"] = cloud.ReplyKey,
            ["Bus__OutboxPath"] = Path.Combine(state, "outbox.db"),
        };

        // First run: the link to the cloud is down (a tunnel).
        await using (var serve = ServeProcess.Start(state, settings))
        {
            await serve.WaitReadyAsync();
            using var channel = serve.Channel();
            var client = new Copilot.V1.Copilot.CopilotClient(channel);
            var health = new Health.HealthClient(channel);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "liveness" })).Status);

            using var events = client.Events(new EventsRequest());
            await events.ResponseHeadersAsync;

            var window = await client.SubmitAsync(new SubmitRequest { Text = "open my window halfway", Conversation = "c1" }, deadline: DateTime.UtcNow.AddSeconds(10));
            Assert.Equal("executed", window.Outcome_);
            Assert.Equal("window.open", window.Intent);
            Assert.Equal(50, window.Slots["percent"].Number);
            Assert.Equal("driver", window.Slots["window"].Text);
            Assert.Equal("critical", window.Lane);
            Assert.Equal("c1", window.Conversation);
            var actuation = Assert.Single(window.Actuations);
            Assert.Equal("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", actuation.Path);
            Assert.Equal(50, actuation.Value.Number);
            Assert.True(window.LatencyMs > 0);

            // The json field is the ask --batch line of the same outcome.
            var line = JsonDocument.Parse(window.Json).RootElement;
            Assert.Equal("executed", line.GetProperty("outcome").GetString());
            Assert.Equal("window.open", line.GetProperty("intent").GetString());
            Assert.Equal(window.TotalMs, line.GetProperty("total_ms").GetDouble());

            foreach (var question in Questions)
            {
                var routed = await client.SubmitAsync(new SubmitRequest { Text = question, Seat = "passenger", WaitForCloud = true });
                Assert.Equal("routed_cloud", routed.Outcome_);
                Assert.Equal("queued", routed.Cloud.Outcome);
                Assert.Equal("passenger", routed.Seat);
            }

            var badSeat = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitAsync(new SubmitRequest { Text = "open my window", Seat = "roof" }));
            Assert.Equal(StatusCode.InvalidArgument, badSeat.StatusCode);

            // The stream saw the four outcomes and the window the copilot moved.
            var outcomes = new List<Outcome>();
            StateChange? moved = null;
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while ((outcomes.Count < 4 || moved is null) && await events.ResponseStream.MoveNext(wait.Token))
            {
                var @event = events.ResponseStream.Current;
                Assert.NotNull(@event.Time);
                if (@event.KindCase == Event.KindOneofCase.Outcome)
                {
                    outcomes.Add(@event.Outcome);
                }
                else if (@event.KindCase == Event.KindOneofCase.StateChange)
                {
                    moved = @event.StateChange;
                }
            }

            Assert.Equal(["executed", "routed_cloud", "routed_cloud", "routed_cloud"], outcomes.Select(o => o.Outcome_));
            Assert.Equal("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", moved!.Path);
            Assert.Equal(0, moved.Previous.Number);
            Assert.Equal(50, moved.Value.Number);

            // SIGTERM: a clean exit, and the open stream ends cleanly instead of hanging the stop.
            var streamEnded = Task.Run(async () =>
            {
                try
                {
                    while (await events.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }

                    return StatusCode.OK;
                }
                catch (RpcException e)
                {
                    return e.StatusCode;
                }
            });
            Assert.Equal(0, await serve.TerminateAsync());
            Assert.Contains(await streamEnded, new[] { StatusCode.OK, StatusCode.Unavailable });
            Assert.Contains("Copilot stopped", serve.Log, StringComparison.Ordinal);
        }

        // Second run, still in the tunnel until a client listens; then the link comes back: the
        // three questions queued before SIGTERM are answered, and the profile kept the window.
        await using (var serve = ServeProcess.Start(state, settings))
        {
            await serve.WaitReadyAsync();
            using var channel = serve.Channel();
            var client = new Copilot.V1.Copilot.CopilotClient(channel);
            using var events = client.Events(new EventsRequest());
            await events.ResponseHeadersAsync;
            proxy.State = ProxyState.Forwarding;

            var answers = new List<CloudAnswer>();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (answers.Count < Questions.Length && await events.ResponseStream.MoveNext(wait.Token))
            {
                if (events.ResponseStream.Current.KindCase == Event.KindOneofCase.CloudAnswer)
                {
                    answers.Add(events.ResponseStream.Current.CloudAnswer);
                }
            }

            Assert.Equal(Questions.Order(), answers.Select(a => a.Question).Order());
            Assert.All(answers, a => Assert.Equal("answered", a.Outcome));
            Assert.All(answers, a => Assert.Equal("passenger", a.Seat));

            var profile = await client.GetProfileAsync(new GetProfileRequest());
            Assert.Contains("window.open", profile.Json, StringComparison.Ordinal);
            await client.WipeProfileAsync(new WipeProfileRequest());
            Assert.DoesNotContain("window.open", (await client.GetProfileAsync(new GetProfileRequest())).Json, StringComparison.Ordinal);
            Assert.Equal(0, await serve.TerminateAsync());
        }

        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task Serve_TheCallsDeadlineIsTheRequestsDeadline()
    {
        // A critical budget of 1 ms: no command can make it on its own. The same command with a
        // 10 s gRPC deadline is carried out: the call's deadline became the request's.
        var state = Directory.CreateTempSubdirectory("serve-").FullName;
        await using var serve = ServeProcess.Start(state, new Dictionary<string, string> { ["Cloud__Mode"] = "off", ["Channel__CriticalBudget"] = "00:00:00.001" });
        await serve.WaitReadyAsync();
        using var channel = serve.Channel();
        var client = new Copilot.V1.Copilot.CopilotClient(channel);

        var own = await client.SubmitAsync(new SubmitRequest { Text = "turn on the air conditioning" });
        Assert.True(own.Outcome_ is "deadline_missed" or "rejected", own.Json);
        Assert.Empty(own.Actuations);

        var given = await client.SubmitAsync(new SubmitRequest { Text = "turn on the air conditioning" }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal("executed", given.Outcome_);
        Assert.Equal(0, await serve.TerminateAsync());
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task Serve_RefusesATcpListenerWithoutMutualTls_WithAClearError()
    {
        var state = Directory.CreateTempSubdirectory("serve-").FullName;
        await using var serve = ServeProcess.Start(state, new Dictionary<string, string> { ["Serve__Tcp__Port"] = "50999" });
        Assert.Equal(1, await serve.WaitForExitAsync());
        Assert.Contains("Serve:Tcp needs Certificate, Key and ClientCa", serve.Log, StringComparison.Ordinal);
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task Serve_AnswersAClientThatIsNotOurs_PythonGrpcio()
    {
        var state = Directory.CreateTempSubdirectory("serve-").FullName;
        await using var serve = ServeProcess.Start(state, new Dictionary<string, string> { ["Cloud__Mode"] = "off" });
        await serve.WaitReadyAsync();

        var folder = Path.Combine(AppContext.BaseDirectory, "Serve");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(folder, "client.py"), serve.Socket, folder, Directory.CreateDirectory(Path.Combine(state, "stubs")).FullName })
        {
            start.ArgumentList.Add(argument);
        }

        using var python = Process.Start(start)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, $"python client failed ({python.ExitCode}; tests/run.sh installs python3-grpcio and python3-grpc-tools):\n{await stderr}\n{serve.Log}");

        var seen = JsonDocument.Parse(await stdout).RootElement;
        Assert.Equal("SERVING", seen.GetProperty("readiness").GetString());
        Assert.Equal("executed", seen.GetProperty("outcome").GetString());
        Assert.Equal("climate.set_temperature", seen.GetProperty("intent").GetString());
        Assert.Equal(22, seen.GetProperty("slots").GetProperty("temperature").GetDouble());
        Assert.Equal("passenger", seen.GetProperty("slots").GetProperty("zone").GetString());
        var actuation = Assert.Single(seen.GetProperty("actuations").EnumerateArray().ToList());
        Assert.Equal(22, actuation[1].GetDouble());
        Assert.Equal("executed", seen.GetProperty("json_outcome").GetString());
        Assert.Equal(["set the temperature to 22 degrees", "python"], seen.GetProperty("event_outcome").EnumerateArray().Take(2).Select(e => e.GetString()));
        Assert.True(seen.GetProperty("event_outcome")[2].GetBoolean());
        Assert.Equal("INVALID_ARGUMENT", seen.GetProperty("bad_seat").GetString());
        Assert.True(seen.GetProperty("profile_has_history").GetBoolean());
        Assert.Equal(0, await serve.TerminateAsync());
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task Serve_OverTcp_AnswersOnlyClientsWithACertificateFromItsCa()
    {
        var state = Directory.CreateTempSubdirectory("serve-").FullName;
        var pki = new TestPki(state, "head-unit");
        var stranger = new TestPki(state, "stranger");
        var (clientCert, clientKey) = pki.Issue("head-unit-client", "head-unit", server: false);
        var (strangerCert, strangerKey) = stranger.Issue("stranger-client", "stranger", server: false);
        var port = FreePort();
        await using var serve = ServeProcess.Start(state, new Dictionary<string, string>
        {
            ["Cloud__Mode"] = "off",
            ["Serve__Tcp__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Serve__Tcp__Address"] = "127.0.0.1",
            ["Serve__Tcp__Certificate"] = pki.ServerCertFile,
            ["Serve__Tcp__Key"] = pki.ServerKeyFile,
            ["Serve__Tcp__ClientCa"] = pki.CaFile,
        });
        await serve.WaitReadyAsync();
        await WaitListeningAsync(port);

        using (var trusted = TlsChannel(port, pki.Root, X509Certificate2.CreateFromPemFile(clientCert, clientKey)))
        {
            var outcome = await new Copilot.V1.Copilot.CopilotClient(trusted).SubmitAsync(new SubmitRequest { Text = "turn on the air conditioning" });
            Assert.Equal("executed", outcome.Outcome_);
        }

        foreach (var client in new[] { X509Certificate2.CreateFromPemFile(strangerCert, strangerKey), null })
        {
            using var refused = TlsChannel(port, pki.Root, client);
            var error = await Assert.ThrowsAsync<RpcException>(async () => await new Health.HealthClient(refused).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10)));
            // Refused in the handshake: under TLS 1.3 the client may count its handshake done before the
            // server rejects its certificate, and then sees the connection close under its first request.
            Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, error.ToString());
        }

        Assert.Equal(0, await serve.TerminateAsync());
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task TheUnitFile_IsOneSystemdAcceptsWithoutAWarning()
    {
        // systemd-analyze exits 0 on unknown keys and bad values, but names each on stderr.
        var folder = Directory.CreateTempSubdirectory("unit-");
        var unit = Path.Combine(folder.FullName, "vehicle-copilot.service");
        var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Serve", "vehicle-copilot.service"));
        Assert.Contains("ExecStart=/opt/vehicle-copilot/Vehicle.Runtime.Cli serve", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(unit, text.Replace("/opt/vehicle-copilot/Vehicle.Runtime.Cli", "/bin/true", StringComparison.Ordinal));

        var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "verify", "--man=no", unit })
        {
            start.ArgumentList.Add(argument);
        }

        using var verify = Process.Start(start)!;
        var stderr = verify.StandardError.ReadToEndAsync();
        var stdout = verify.StandardOutput.ReadToEndAsync();
        await verify.WaitForExitAsync();
        Assert.True(verify.ExitCode == 0 && (await stderr).Length == 0 && (await stdout).Length == 0, $"exit {verify.ExitCode}:\n{await stderr}{await stdout}");
        foreach (var hardening in new[] { "Type=notify", "DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=", "MemoryMax=", "CPUQuota=", "NoNewPrivileges=yes" })
        {
            Assert.Contains(hardening, text, StringComparison.Ordinal);
        }

        folder.Delete(recursive: true);
    }

    private static GrpcChannel TlsChannel(int port, X509Certificate2 root, X509Certificate2? client)
    {
        var tls = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => MqttConnection.Validate(certificate, chain, errors, "localhost", [root]),
        };
        if (client is not null)
        {
            tls.ClientCertificates = [client];
        }

        // The listener is on 127.0.0.1: connect there (not to whatever "localhost" resolves to first),
        // and check the certificate's name as localhost.
        tls.TargetHost = "localhost";
        var handler = new SocketsHttpHandler
        {
            SslOptions = tls,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress($"https://localhost:{port}", new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>Waits until the TCP listener takes connections (the readiness check went over the socket).</summary>
    private static async Task WaitListeningAsync(int port)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
