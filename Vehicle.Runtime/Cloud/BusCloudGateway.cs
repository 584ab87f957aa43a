using Microsoft.Extensions.Logging;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Cloud;

/// <summary>
/// The cloud lane's gateway onto the MQTT bus: hands world questions to the bus's durable outbox
/// and turns what comes back into <see cref="CloudResult"/>s. An action suggested in a reply is
/// submitted to the command channel as a <see cref="CommandRequest.FromCloud"/> request, so the
/// car's own understanding and safety policy decide about it.
/// </summary>
public sealed class BusCloudGateway : ICloudGateway, ICloudReplySink, IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeToLive;
    private VehicleBusClient? _bus;
    private ICommandChannel? _channel;

    private BusCloudGateway(TimeProvider time, TimeSpan timeToLive)
    {
        _time = time;
        _timeToLive = timeToLive;
    }

    /// <summary>Every final result of a world question, in the order they arrive.</summary>
    public event Action<CloudResult>? Completed;

    /// <summary>The bus client (connection state, counters).</summary>
    public VehicleBusClient Bus => _bus ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the bus client; queries pending from an earlier run are sent once connected.</summary>
    public static BusCloudGateway Start(CarBusOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gateway = new BusCloudGateway(time ?? TimeProvider.System, options.QueryTimeToLive);
        gateway._bus = VehicleBusClient.Start(options, gateway, time, loggerFactory, jitter);
        return gateway;
    }

    /// <summary>The channel that runs actions the cloud suggests (set once it exists: it is created with this gateway).</summary>
    public void Attach(ICommandChannel channel) => _channel = channel;

    /// <inheritdoc/>
    public CloudHandoff Enqueue(CloudQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var result = Bus.Enqueue(new BusQuery(query.Id, query.Text, _time.GetUtcNow() + _timeToLive, query.Speaker.ToContractName()));
        return result.Status switch
        {
            EnqueueStatus.Sent => CloudHandoff.Sent,
            EnqueueStatus.Queued => CloudHandoff.Queued,
            _ => CloudHandoff.Refused,
        };
    }

    /// <inheritdoc/>
    public async ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var speaker = SeatNames.TryParse(reply.Speaker, out var seat) ? seat : Seat.Driver;
        if (reply.Error is not null)
        {
            Completed?.Invoke(new CloudResult(reply.Id, reply.Question, speaker, OutcomeKind.Failed, "Sorry, I couldn't get an answer to that.", reply.Error, null));
            return;
        }

        CommandOutcome? action = null;
        if (!string.IsNullOrWhiteSpace(reply.Command) && _channel is not null)
        {
            action = await _channel.SubmitAsync(new CommandRequest(reply.Command, speaker, FromCloud: true), cancellationToken).ConfigureAwait(false);
        }

        Completed?.Invoke(new CloudResult(reply.Id, reply.Question, speaker, OutcomeKind.Answered, reply.Text, null, action));
    }

    /// <inheritdoc/>
    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(query);
        var speaker = SeatNames.TryParse(query.Speaker, out var seat) ? seat : Seat.Driver;
        Completed?.Invoke(reason == QueryDropReason.Expired
            ? new CloudResult(query.Id, query.Text, speaker, OutcomeKind.Expired, "I couldn't get an answer in time; please ask again.", "expired", null)
            : new CloudResult(query.Id, query.Text, speaker, OutcomeKind.Failed, "Too many questions were waiting; please ask again.", "evicted", null));
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _bus?.DisposeAsync() ?? ValueTask.CompletedTask;
}
