using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;

namespace Vehicle.Runtime.Cloud;

/// <summary>
/// The cloud lane's gateway onto the MQTT bus: redacts each world question, hands it to the bus's
/// durable outbox with a time-to-live of the sooner of its deadline and <c>Bus:QueryTimeToLive</c>,
/// and turns what comes back into <see cref="CloudResult"/>s. An action suggested in a reply goes
/// to <c>runSuggestion</c> (the car submits it to its own channel, so its own understanding and
/// safety policy decide).
/// </summary>
internal sealed class BusCloudGateway : ICloudGateway, ICloudReplySink, IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeToLive;
    private readonly CloudPrivacy _privacy;
    private readonly ResponseTable _responses;
    private readonly Func<CommandRequest, CancellationToken, ValueTask<CommandOutcome>> _runSuggestion;
    private readonly Action<CloudResult> _completed;
    private readonly VehicleBusClient _bus;

    /// <summary>Starts the bus client; queries pending from an earlier run are sent once connected.</summary>
    public BusCloudGateway(
        CarBusOptions options,
        CloudPrivacy privacy,
        ResponseTable responses,
        Func<CommandRequest, CancellationToken, ValueTask<CommandOutcome>> runSuggestion,
        Action<CloudResult> completed,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        Random? jitter,
        IMeterFactory? meterFactory = null)
    {
        _time = time;
        _timeToLive = options.QueryTimeToLive;
        _privacy = privacy;
        _responses = responses;
        _runSuggestion = runSuggestion;
        _completed = completed;
        _bus = VehicleBusClient.Start(options, this, time, loggerFactory, jitter, privacy, meterFactory);
    }

    /// <summary>The bus client (connection state, counters).</summary>
    public VehicleBusClient Bus => _bus;

    /// <inheritdoc/>
    public CloudHandoffResult Enqueue(CloudQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        // An answer after the question's own deadline is of no use: the bus drops it then.
        var limit = _time.GetUtcNow() + _timeToLive;
        var expires = query.Deadline < limit ? query.Deadline : limit;
        var prepared = _privacy.Prepare(query.Text);
        var location = prepared.Position is { } p ? new CoarseLocation(p.Latitude, p.Longitude, p.PrecisionKm) : null;
        var result = _bus.Enqueue(new BusQuery(query.Id, prepared.Text, expires, query.Speaker.ToContractName(), location, prepared.PrivateState));
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
            _completed(new CloudResult(reply.Id, question, speaker, OutcomeKind.Failed, _responses.CloudFailed, reply.Error, null));
            return;
        }

        CommandOutcome? action = null;
        if (!string.IsNullOrWhiteSpace(reply.Command))
        {
            action = await _runSuggestion(new CommandRequest(map.Restore(reply.Command), speaker, FromCloud: true), cancellationToken).ConfigureAwait(false);
        }

        _completed(new CloudResult(reply.Id, question, speaker, OutcomeKind.Answered, map.Restore(reply.Text), null, action));
    }

    /// <inheritdoc/>
    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(query);
        var speaker = SeatNames.TryParse(query.Speaker, out var seat) ? seat : Seat.Driver;
        var question = Redaction.FromPrivateState(query.Text, query.Private).Restore(query.Text);
        _completed(reason switch
        {
            QueryDropReason.Expired => new CloudResult(query.Id, question, speaker, OutcomeKind.Expired, _responses.CloudExpired, "expired", null),
            QueryDropReason.Blocked => new CloudResult(query.Id, question, speaker, OutcomeKind.Failed, _responses.CloudBlocked, "egress_guard", null),
            _ => new CloudResult(query.Id, question, speaker, OutcomeKind.Failed, _responses.CloudEvicted, "evicted", null),
        });
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _bus.DisposeAsync();
}
