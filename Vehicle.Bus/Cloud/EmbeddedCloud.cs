using Microsoft.Extensions.Logging;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;

namespace Vehicle.Bus.Cloud;

/// <summary>
/// The whole cloud side in this process: an embedded broker on loopback and the built-in
/// responder with the offline knowledge backend, so one command runs the whole system with no
/// broker installed. The command-line hosts start it for <c>Cloud:Mode=embedded</c>. Made safe
/// for a shared machine per start: the broker takes only the responder and the car, with
/// passwords made for this start (<see cref="BrokerAccess"/>), and the responder signs its
/// replies with a key made for this start (<see cref="ReplyKey"/>), the car's only source of
/// suggested commands.
/// </summary>
public sealed class EmbeddedCloud : IAsyncDisposable
{
    // The embedded responder shares the car's machine: a few workers are plenty.
    private const int MaxWorkers = 4;

    private readonly EmbeddedBroker _broker;
    private readonly CloudResponder _responder;

    private EmbeddedCloud(EmbeddedBroker broker, CloudResponder responder, BrokerAccess access, string replyKey)
    {
        _broker = broker;
        _responder = responder;
        Access = access;
        ReplyKey = replyKey;
    }

    /// <summary>Where the car connects.</summary>
    public Uri Broker => _broker.Uri;

    /// <summary>The accounts of this start (the car connects with <see cref="BrokerAccess.Car"/>).</summary>
    public BrokerAccess Access { get; }

    /// <summary>The key the responder signs replies with (the car's <c>Bus:ReplyKey</c>).</summary>
    public string ReplyKey { get; }

    /// <summary>How the car connects: this broker, with the car's account of this start (loopback only, so the password never leaves the machine).</summary>
    public BrokerOptions CarConnection() =>
        new() { Broker = Broker.ToString(), Username = Access.Car.UserName, Password = Access.Car.Password, AllowPlainTextPassword = true };

    /// <summary>Starts the broker, then the responder connected to it.</summary>
    /// <param name="options">The responder's settings (section <c>Responder</c>); its connection is replaced by the embedded broker.</param>
    /// <param name="time">The responder's clock (think time of the offline backend).</param>
    /// <param name="loggerFactory">Logging.</param>
    public static async Task<EmbeddedCloud> StartAsync(ResponderOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var access = BrokerAccess.Generate();
        var broker = await EmbeddedBroker.StartAsync(loggerFactory: loggerFactory, access: access).ConfigureAwait(false);
        try
        {
            // Loopback only: the password never leaves the machine.
            options.Connection = new BrokerOptions { Broker = broker.Uri.ToString(), Username = access.Responder.UserName, Password = access.Responder.Password, AllowPlainTextPassword = true };
            options.Workers = Math.Min(options.Workers, MaxWorkers);
            options.ReplyKey = ReplySignature.NewKey();
            var responder = await CloudResponder.StartAsync(options, new OfflineBackend(options.Offline, time), time, loggerFactory).ConfigureAwait(false);
            return new EmbeddedCloud(broker, responder, access, options.ReplyKey);
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the responder, then the broker.</summary>
    public async ValueTask DisposeAsync()
    {
        await _responder.DisposeAsync().ConfigureAwait(false);
        await _broker.DisposeAsync().ConfigureAwait(false);
    }
}
