using Microsoft.Extensions.Logging;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;

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
    private readonly CloudPrivacy? _privacy;
    private VehicleBusClient? _bus;
    private ICommandChannel? _channel;

    private BusCloudGateway(TimeProvider time, TimeSpan timeToLive, CloudPrivacy? privacy)
    {
        _time = time;
        _timeToLive = timeToLive;
        _privacy = privacy;
    }

    /// <summary>Every final result of a world question, in the order they arrive.</summary>
    public event Action<CloudResult>? Completed;

    /// <summary>The bus client (connection state, counters).</summary>
    public VehicleBusClient Bus => _bus ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the bus client; queries pending from an earlier run are sent once connected.</summary>
    /// <param name="options">Bus settings.</param>
    /// <param name="time">Clock.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="jitter">Backoff jitter source.</param>
    /// <param name="privacy">Redaction, coarse position and the egress guard; null sends questions as they are (tests of the bus only).</param>
    public static BusCloudGateway Start(CarBusOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null, Random? jitter = null, CloudPrivacy? privacy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gateway = new BusCloudGateway(time ?? TimeProvider.System, options.QueryTimeToLive, privacy);
        gateway._bus = VehicleBusClient.Start(options, gateway, time, loggerFactory, jitter, privacy);
        return gateway;
    }

    /// <summary>The channel that runs actions the cloud suggests (set once it exists: it is created with this gateway).</summary>
    public void Attach(ICommandChannel channel) => _channel = channel;

    /// <inheritdoc/>
    public CloudHandoffResult Enqueue(CloudQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var expires = _time.GetUtcNow() + _timeToLive;
        var speaker = query.Speaker.ToContractName();
        var result = Bus.Enqueue(_privacy?.Prepare(query.Id, query.Text, expires, speaker) ?? new BusQuery(query.Id, query.Text, expires, speaker));
        return result.Status switch
        {
            EnqueueStatus.Sent => CloudHandoff.Sent,
            EnqueueStatus.Queued => CloudHandoff.Queued,
            _ => new CloudHandoffResult(CloudHandoff.Refused, result.Error),
        };
    }

    /// <inheritdoc/>
    public async ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var speaker = SeatNames.TryParse(reply.Speaker, out var seat) ? seat : Seat.Driver;
        // The placeholders go back in before anyone in the car hears or acts on the answer.
        var map = Redaction.FromPrivateState(reply.Question, reply.Private);
        var question = map.Restore(reply.Question);
        if (reply.Error is not null)
        {
            Completed?.Invoke(new CloudResult(reply.Id, question, speaker, OutcomeKind.Failed, "Sorry, I couldn't get an answer to that.", reply.Error, null));
            return;
        }

        CommandOutcome? action = null;
        if (!string.IsNullOrWhiteSpace(reply.Command) && _channel is not null)
        {
            action = await _channel.SubmitAsync(new CommandRequest(map.Restore(reply.Command), speaker, FromCloud: true), cancellationToken).ConfigureAwait(false);
        }

        Completed?.Invoke(new CloudResult(reply.Id, question, speaker, OutcomeKind.Answered, map.Restore(reply.Text), null, action));
    }

    /// <inheritdoc/>
    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(query);
        var speaker = SeatNames.TryParse(query.Speaker, out var seat) ? seat : Seat.Driver;
        var question = Redaction.FromPrivateState(query.Text, query.Private).Restore(query.Text);
        Completed?.Invoke(reason switch
        {
            QueryDropReason.Expired => new CloudResult(query.Id, question, speaker, OutcomeKind.Expired, "I couldn't get an answer in time; please ask again.", "expired", null),
            QueryDropReason.Blocked => new CloudResult(query.Id, question, speaker, OutcomeKind.Failed, "I can't send that without sharing personal details.", "egress_guard", null),
            _ => new CloudResult(query.Id, question, speaker, OutcomeKind.Failed, "Too many questions were waiting; please ask again.", "evicted", null),
        });
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _bus?.DisposeAsync() ?? ValueTask.CompletedTask;
}
