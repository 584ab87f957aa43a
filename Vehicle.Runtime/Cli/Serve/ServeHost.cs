using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vehicle.Runtime.Hosting;

namespace Vehicle.Runtime.Cli.Serve;

/// <summary>
/// <c>serve</c>: the copilot as a long-lived service on the .NET generic host. The car starts
/// first (a hosted service), then the local API listens on its Unix socket (and on TCP with mutual
/// TLS when configured), then systemd hears READY=1. SIGTERM stops the listener (calls in flight
/// finish, event streams end), then the car (lanes drained, outbox and profile flushed).
/// </summary>
internal static partial class ServeHost
{
    public static int Run(string? configFile)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });

        // The same configuration as every command: appsettings.json beside the binary, then the
        // file given with --config, then environment variables.
        builder.Configuration.Sources.Clear();
        builder.Configuration.SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true);
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        builder.Configuration.AddEnvironmentVariables();
        var options = CopilotOptions.FromConfiguration(builder.Configuration);
        var serve = builder.Configuration.GetSection(ServeOptions.SectionName).Get<ServeOptions>() ?? new ServeOptions();
        if (serve.Validate() is { Count: > 0 } failures)
        {
            throw new OptionsValidationException(nameof(ServeOptions), typeof(ServeOptions), failures);
        }

        builder.Host.UseSystemd();
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        if (SystemdHelpers.IsSystemdService())
        {
            // journald: one entry per line with its priority (UseSystemd picks the systemd format).
            builder.Logging.AddConsole();
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        var socket = serve.ResolveSocket();
        PrepareSocket(socket);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(socket, listen => listen.Protocols = HttpProtocols.Http2);
            if (serve.Tcp.Port != 0)
            {
                kestrel.Listen(IPAddress.Parse(serve.Tcp.Address), serve.Tcp.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.UseHttps(MutualTls(serve.Tcp));
                });
            }
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(serve);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new EventHub(serve.EventBuffer, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<CopilotService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CopilotService>());
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks(health =>
        {
            health.Services.Map("liveness", r => r.Tags.Contains(CopilotHealth.Live));
            health.Services.Map("readiness", r => r.Tags.Contains(CopilotHealth.Ready));
        }).AddCopilotChecks();

        using var app = builder.Build();
        app.MapGrpcService<CopilotApi>();
        app.MapGrpcHealthChecksService();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (!OperatingSystem.IsWindows() && ServeOptions.TryParseMode(serve.SocketMode, out var mode))
            {
                File.SetUnixFileMode(socket, mode);
            }

            LogServing(app.Logger, socket, serve.Tcp.Port == 0 ? "off" : $"{serve.Tcp.Address}:{serve.Tcp.Port} (mutual TLS)");
        });
        app.Run();
        return 0;
    }

    /// <summary>Creates the socket's folder (owner and group only) and removes a socket a killed run left behind.</summary>
    private static void PrepareSocket(string socket)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(socket))!;
        if (!Directory.Exists(folder) && !OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }

        if (File.Exists(socket))
        {
            File.Delete(socket);
        }
    }

    private static HttpsConnectionAdapterOptions MutualTls(TcpOptions tcp)
    {
        var certificate = X509Certificate2.CreateFromPemFile(tcp.Certificate!, tcp.Key);
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(tcp.ClientCa!);
        return new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (client, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(client);
            },
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the copilot API on unix:{Socket}; tcp: {Tcp}")]
    private static partial void LogServing(ILogger logger, string socket, string tcp);
}
