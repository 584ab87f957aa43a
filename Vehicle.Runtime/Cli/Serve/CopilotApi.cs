using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Vehicle.Copilot.V1;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Cli.Serve;

/// <summary>
/// The local API (<c>vehicle.copilot.v1.Copilot</c>): one call per utterance, answered with the
/// outcome the car gave it; a stream of what happens; the profile. Every outcome is also an event.
/// </summary>
internal sealed class CopilotApi(CopilotService service, EventHub events, CopilotOptions options, IHostApplicationLifetime lifetime, TimeProvider time) : Copilot.V1.Copilot.CopilotBase
{
    public override async Task<Outcome> Submit(SubmitRequest request, ServerCallContext context)
    {
        var seat = Seat.Driver;
        if (request.Seat.Length > 0 && !SeatNames.TryParse(request.Seat, out seat))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"unknown seat '{request.Seat}': use driver, passenger, rear_left or rear_right"));
        }

        var car = Car();
        var text = request.Text;
        var responses = options.Responses;
        // Only the driver answers a suggestion (it came from the driver's habits).
        var declined = false;
        if ((seat == Seat.Driver ? service.AnswerSuggestion(text, out declined) : null) is { } accepted)
        {
            text = accepted;
        }
        else if (declined)
        {
            var answered = new CommandOutcome(OutcomeKind.Answered, text, null, null, [], responses.OfferDeclined, "suggestion_declined", TimeSpan.Zero, TimeSpan.Zero);
            return Publish(Contract.Outcome(answered, null, seat, request.Conversation));
        }

        // The call's deadline (a UTC wall-clock time) is the request's: it becomes the request's budget.
        TimeSpan? budget = null;
        if (context.Deadline != DateTime.MaxValue)
        {
            budget = Remaining(context);
            if (budget <= TimeSpan.Zero)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the deadline passed before the request was admitted"));
            }
        }

        CommandOutcome outcome;
        try
        {
            var conversation = request.Conversation.Length > 0 ? request.Conversation : null;
            outcome = await car.SubmitAsync(new CommandRequest(text, seat, budget, Conversation: conversation), context.CancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw Stopping();
        }

        CloudResult? cloud = null;
        if (request.WaitForCloud && outcome.Kind == OutcomeKind.RoutedCloud)
        {
            var wait = budget is not null && Remaining(context) is var left && left < options.Cloud.AnswerWait ? left : options.Cloud.AnswerWait;
            cloud = wait > TimeSpan.Zero ? await car.WaitForCloudAsync(outcome, wait, context.CancellationToken).ConfigureAwait(false) : null;
        }

        return Publish(Contract.Outcome(outcome, cloud, seat, request.Conversation));
    }

    public override async Task Events(EventsRequest request, IServerStreamWriter<Event> responseStream, ServerCallContext context)
    {
        using var subscriber = events.Subscribe();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            // Headers now: a caller that waits for them knows every later event reaches it.
            await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
            await foreach (var @event in subscriber.Events.Reader.ReadAllAsync(ended.Token).ConfigureAwait(false))
            {
                // Events are shared by every stream: a count of this stream's own losses goes on a copy.
                var dropped = subscriber.TakeDropped();
                var sent = dropped == 0 ? @event : @event.Clone();
                sent.Dropped = dropped;
                await responseStream.WriteAsync(sent, ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The caller left, or the service is stopping: the stream ends cleanly.
        }
    }

    public override async Task<Profile> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        // Everything executed before this call is in the history it returns.
        var profile = service.Profile ?? throw Stopping();
        await profile.FlushAsync().ConfigureAwait(false);
        return new Profile { Json = profile.Export() };
    }

    public override Task<WipeProfileResponse> WipeProfile(WipeProfileRequest request, ServerCallContext context)
    {
        (service.Profile ?? throw Stopping()).Wipe();
        return Task.FromResult(new WipeProfileResponse());
    }

    private TimeSpan Remaining(ServerCallContext context) => context.Deadline - time.GetUtcNow().UtcDateTime;

    private static RpcException Stopping() => new(new Status(StatusCode.Unavailable, "the copilot is stopping"));

    private CopilotHost Car() => service.Car ?? throw new RpcException(new Status(StatusCode.Unavailable, "the copilot is not running"));

    private Outcome Publish(Outcome outcome)
    {
        events.Publish(new Event { Outcome = outcome });
        return outcome;
    }
}
