using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Policy;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;
using Vehicle.Runtime.Telemetry;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// The command channel. Flow of one request:
/// <list type="number">
/// <item>Admission (caller's thread): an absolute deadline from the injected <see cref="TimeProvider"/>
/// and a guess from the words alone (microseconds, no encoder): a likely vehicle command is queued
/// on the critical lane, anything else on the intake stage; the queue admits it or rejects it at
/// once (full, deadline unmeetable, shutting down).</item>
/// <item>Understanding runs on the critical lane's thread with the critical lane's own inference
/// session, or on the intake thread with a second session. A flood of world questions is encoded
/// on the intake thread and never queues in front of a vehicle command; intake does nothing but
/// understand, so a command guessed wrong is not stuck behind slow interactive or cloud work.
/// Understanding decides the real lane and deadline; the request moves there, keeping its
/// admission time.</item>
/// <item>Vehicle control runs on the critical lane: policy, actuation plan, the deadline checked
/// again immediately before actuation, actuation, response. Information runs on the interactive
/// lane; world questions are handed to the cloud lane.</item>
/// </list>
/// </summary>
internal sealed partial class CommandChannel : ICommandChannel
{
    private readonly IUtteranceUnderstander _criticalUnderstander;
    private readonly IUtteranceUnderstander _intakeUnderstander;
    private readonly CommandPlanner _planner;
    private readonly IVehicleActuator _actuator;
    private readonly ICloudGateway? _cloud;
    private readonly IPersonalProfile _profile;
    private readonly SignalStore _store;
    private readonly CommandChannelOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResponseTable _responses;
    private readonly RuntimeMetrics _metrics;
    private readonly LaneWorker _critical;
    private readonly LaneWorker _intake;
    private readonly LaneWorker _interactive;
    private readonly LaneWorker _cloudLane;
    private readonly TimeSpan _longestBudget;
    private int _closing;

    private CommandChannel(IUtteranceUnderstander critical, IUtteranceUnderstander intake, IntentCatalog catalog, SignalStore store, IVehicleActuator actuator, ICloudGateway? cloud, CommandChannelOptions options, ResponseTable responses, TimeProvider time, ILogger logger, RuntimeMetrics metrics, IPersonalProfile profile)
    {
        _criticalUnderstander = critical;
        _intakeUnderstander = intake;
        _responses = responses;
        _metrics = metrics;
        _planner = new CommandPlanner(catalog, store, new SafetyPolicy(catalog, store, options, responses), responses, profile);
        _profile = profile;
        _store = store;
        _actuator = actuator;
        _cloud = cloud;
        _options = options;
        _time = time;
        _logger = logger;
        _longestBudget = new[] { options.CriticalBudget, options.InteractiveBudget, options.CloudBudget }.Max();
        _critical = new LaneWorker("critical", options.CriticalCapacity, ThreadPriority.AboveNormal, time, ProcessCritical, Abandon, Fail, options.CriticalLaneSpins, () => critical.Understand("warm up the critical lane"));
        _intake = new LaneWorker("intake", options.IntakeCapacity, ThreadPriority.Normal, time, ProcessIntake, Abandon, Fail, warmUp: () => intake.Understand("warm up the intake"));
        _interactive = new LaneWorker("interactive", options.InteractiveCapacity, ThreadPriority.Normal, time, ProcessInteractive, Abandon, Fail);
        _cloudLane = new LaneWorker("cloud", options.CloudCapacity, ThreadPriority.BelowNormal, time, ProcessCloud, Abandon, Fail);
        foreach (var lane in new[] { _critical, _intake, _interactive, _cloudLane })
        {
            lane.WaitReady();
        }

        WarmUp();
        metrics.ObserveQueueDepth(() =>
        [
            new(_critical.Pending, new KeyValuePair<string, object?>("lane", "critical")),
            new(_intake.Pending, new KeyValuePair<string, object?>("lane", "intake")),
            new(_interactive.Pending, new KeyValuePair<string, object?>("lane", "interactive")),
            new(_cloudLane.Pending, new KeyValuePair<string, object?>("lane", "cloud")),
        ]);
    }

    /// <summary>
    /// Creates the channel around two understanders (two inference sessions) that the critical
    /// lane and the intake stage will own, and dispose. Only the car's composition root
    /// (<see cref="Hosting.CopilotHost"/>) calls this.
    /// </summary>
    /// <param name="critical">Understanding on the critical lane.</param>
    /// <param name="intake">Understanding of everything not guessed to be a vehicle command (a second instance: its own session).</param>
    /// <param name="catalog">The intent catalog (actuations, preconditions, responses).</param>
    /// <param name="store">The vehicle state the policy reads.</param>
    /// <param name="actuator">Applies actuations.</param>
    /// <param name="options">Budgets, capacities, policy settings.</param>
    /// <param name="responses">What the channel says outside the catalog's templates.</param>
    /// <param name="cloud">Where world questions go; null: they are only marked routed_cloud.</param>
    /// <param name="timeProvider">Clock for deadlines.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="metrics">The car's instruments.</param>
    /// <param name="profile">The driver's profile: contacts, places and preferences resolved on board, executed commands recorded.</param>
    public static CommandChannel Create(
        IUtteranceUnderstander critical,
        IUtteranceUnderstander intake,
        IntentCatalog catalog,
        SignalStore store,
        IVehicleActuator actuator,
        CommandChannelOptions options,
        ResponseTable responses,
        ICloudGateway? cloud,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        RuntimeMetrics metrics,
        IPersonalProfile profile)
    {
        if (ReferenceEquals(critical, intake))
        {
            throw new ArgumentException("The critical lane needs an understander (inference session) of its own.", nameof(intake));
        }

        return new CommandChannel(critical, intake, catalog, store, actuator, cloud, options, responses, timeProvider, loggerFactory.CreateLogger<CommandChannel>(), metrics, profile);
    }

    /// <inheritdoc/>
    public ValueTask<CommandOutcome> SubmitAsync(string utterance, Seat speaker, CancellationToken cancellationToken = default) =>
        SubmitAsync(new CommandRequest(utterance, speaker), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<CommandOutcome> SubmitAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
        Submit(request, resumeOnLane: false, cancellationToken);

    /// <summary>
    /// The same for <see cref="Dialogue"/>: what awaits the outcome resumes on the lane thread that
    /// set it (not queued to the thread pool), so a turn's next step never waits for a pool thread
    /// (a starved pool would hold "close it" back after its look at "it"). Only for code that does
    /// bookkeeping there and hands its own result on asynchronously.
    /// </summary>
    internal ValueTask<CommandOutcome> SubmitOnLaneAsync(CommandRequest request, CancellationToken cancellationToken) =>
        Submit(request, resumeOnLane: true, cancellationToken);

    private ValueTask<CommandOutcome> Submit(CommandRequest request, bool resumeOnLane, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetTimestamp();

        // Until understood it may be a vehicle command, so the critical budget orders it in its
        // queue (a caller's own budget wins); understanding then sets the real lane and deadline.
        var item = new WorkItem(request, now, now + Ticks(request.Budget ?? _options.CriticalBudget), Activity.Current?.Context ?? default, resumeOnLane, cancellationToken);
        if (Volatile.Read(ref _closing) != 0)
        {
            return ValueTask.FromResult(Reject(item, "shutting_down"));
        }

        var guess = request.Proposal is { Intent: { } proposed } ? LaneOf(proposed, request.Proposal.Route) : _criticalUnderstander.GuessLane(request.Utterance);
        var refusal = (guess == Lane.Critical ? _critical : _intake).TryEnqueue(item);
        return refusal is null ? new ValueTask<CommandOutcome>(item.Outcome) : ValueTask.FromResult(Reject(item, refusal));
    }

    /// <summary>
    /// Stops admitting, lets each lane finish what it holds within the longest budget (requests
    /// whose deadline passes meanwhile get deadline_missed), rejects whatever is left, then releases
    /// the inference session. Every admitted request has its outcome when this completes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        // Work moves downstream only (intake -> critical -> interactive -> cloud), so they close in that order.
        var deadline = Task.Delay(_longestBudget + TimeSpan.FromSeconds(1), _time);
        foreach (var lane in new[] { _intake, _critical, _interactive, _cloudLane })
        {
            lane.Complete();
            if (await Task.WhenAny(lane.Stopped, deadline).ConfigureAwait(false) != lane.Stopped)
            {
                lane.Abort();
                await lane.Stopped.ConfigureAwait(false);
            }
        }

        _critical.Dispose();
        _intake.Dispose();
        _interactive.Dispose();
        _cloudLane.Dispose();
        _criticalUnderstander.Dispose();
        _intakeUnderstander.Dispose();
    }

    /// <summary>
    /// Plans (never applies) one request per intent and sends two requests that actuate nothing
    /// through the lanes, so the first real command does not pay for compiling the admission,
    /// policy and planning code inside its 50 ms budget.
    /// </summary>
    private void WarmUp()
    {
        foreach (var intent in _planner.Catalog.Intents)
        {
            var plan = _planner.Plan(intent, new Understanding(intent.Name, intent.Name, [], 1, Route.Onboard, TimeSpan.Zero, []));
            _ = plan.Refusal is null ? _planner.Respond(intent, plan) : plan.RefusalResponse;
        }

        using (new CancellationTokenSource(TimeSpan.FromSeconds(1), _time))
        {
        }

        // A vehicle command below the confidence floor is refused before actuation; a help request
        // is answered from the catalog.
        var unsure = new Understanding("warm up", "window.open", [], 0, Route.Onboard, TimeSpan.Zero, []);
        SubmitAsync(new CommandRequest("warm up", Proposal: unsure)).AsTask().GetAwaiter().GetResult();
        SubmitAsync(new CommandRequest("what can you do")).AsTask().GetAwaiter().GetResult();
    }

    private void ProcessCritical(WorkItem item) => Process(item, _criticalUnderstander, Lane.Critical);

    private void ProcessIntake(WorkItem item) => Process(item, _intakeUnderstander, here: null);

    // Requests reach the interactive lane already understood: it owns no session.
    private void ProcessInteractive(WorkItem item) => Process(item, understander: null, Lane.Interactive);

    /// <summary>Understands the request if it is not yet, then runs it here or moves it to its lane.</summary>
    private void Process(WorkItem item, IUtteranceUnderstander? understander, Lane? here)
    {
        using var activity = StartCommand(item);
        if (item.Started == 0)
        {
            item.Started = _time.GetTimestamp();
        }

        if (item.Understanding is null)
        {
            // Nothing can still be useful once even the longest budget is gone.
            if (item.Request.Budget is null && _time.GetTimestamp() > item.Admitted + Ticks(_longestBudget))
            {
                Complete(item, OutcomeKind.DeadlineMissed, "deadline_missed: expired in the queue", _responses.DeadlineMissed);
                return;
            }

            if (item.CancellationToken.IsCancellationRequested)
            {
                Complete(item, OutcomeKind.Failed, "cancelled", _responses.Cancelled);
                return;
            }

            var understanding = item.Request.Proposal
                ?? (understander ?? throw new InvalidOperationException("A request reached a lane without a session before it was understood."))
                    .Understand(item.Request.Utterance, item.Request.Speaker);
            item.Understanding = understanding;
            if (understanding.Intent is null)
            {
                Complete(item, OutcomeKind.Failed, understanding.Reason ?? "not_understood", _responses.NotUnderstood);
                return;
            }

            item.Lane = LaneOf(understanding.Intent, understanding.Route);
            item.Deadline = item.Admitted + Ticks(item.Request.Budget ?? _options.BudgetOf(item.Lane.Value));
            activity?.SetTag("lane", item.Lane.Value.ToString().ToLowerInvariant());
            if (item.Request.UnderstandOnly)
            {
                Complete(item, OutcomeKind.Answered, "understood_only", string.Empty);
                return;
            }
        }

        var lane = item.Lane!.Value;
        if (lane == Lane.Cloud && item.Request.FromCloud)
        {
            Complete(item, OutcomeKind.Refused, "cloud_suggestion: not an on-board command", _responses.CloudSuggestionRefused);
            return;
        }

        if (lane == here)
        {
            Execute(item, _planner.Catalog[item.Understanding.Intent!]);
        }
        else
        {
            HandOff(item, lane switch
            {
                Lane.Critical => _critical,
                Lane.Interactive => _interactive,
                _ => _cloudLane,
            });
        }
    }

    private Lane LaneOf(string intent, Route route) => route == Route.Cloud ? Lane.Cloud : _planner.Catalog[intent].Lane;

    private void ProcessCloud(WorkItem item)
    {
        using var activity = StartCommand(item);
        if (Missed(item))
        {
            return;
        }

        // The answer's own deadline (not the hand-off's) travels with the query: the bus drops the
        // question once an answer could no longer be of use.
        var answerBy = item.Admitted + Ticks(item.Request.Budget ?? _options.CloudAnswerBudget);
        var deadline = _time.GetUtcNow() + _time.GetElapsedTime(_time.GetTimestamp(), answerBy);
        var query = new CloudQuery(Guid.NewGuid(), item.Request.Utterance, item.Request.Speaker, deadline);
        var (handoff, refusal) = _cloud?.Enqueue(query) ?? CloudHandoff.Sent;
        var response = handoff switch
        {
            CloudHandoff.Sent => _planner.Catalog[IntentCatalog.CloudIntent].Response,
            CloudHandoff.Queued => _responses.CloudQueuedOffline,
            _ => _responses.CloudRefused,
        };
        if (handoff == CloudHandoff.Refused)
        {
            Complete(item, OutcomeKind.Failed, "cloud_refused" + (refusal is null ? string.Empty : ": " + refusal), response);
            return;
        }

        Complete(item, OutcomeKind.RoutedCloud, handoff == CloudHandoff.Queued ? "queued_offline" : null, response, cloudQueryId: query.Id);
    }

    private void Execute(WorkItem item, IntentDefinition intent)
    {
        if (Missed(item))
        {
            return;
        }

        CommandPlan plan;
        using (RuntimeTelemetry.Source.StartActivity("policy"))
        {
            plan = item.Request.Restore is { } restore
                ? _planner.PlanRestore(restore)
                : _planner.Plan(intent, item.Understanding!, item.Request.Confirmed);
        }

        if (plan.Refusal is { } refusal)
        {
            Complete(item, refusal, plan.Reason, plan.RefusalResponse!, awaiting: plan.Choice);
            return;
        }

        item.Understanding = plan.Understanding ?? item.Understanding;
        IReadOnlyList<Actuation> previous = [];
        if (plan.Actuations.Count > 0)
        {
            // The last check before the vehicle moves: never actuate late.
            if (Missed(item))
            {
                return;
            }

            // The deadline may pass between the check above and here: a timeout of zero or less
            // (or of -1 ms, which a CancellationTokenSource takes as "never") must not actuate.
            var remaining = _time.GetElapsedTime(_time.GetTimestamp(), item.Deadline);
            if (remaining <= TimeSpan.Zero)
            {
                Complete(item, OutcomeKind.DeadlineMissed, "deadline_missed", _responses.DeadlineMissed);
                return;
            }

            // What an undo of this command puts back.
            previous = [.. plan.Actuations.Select(a => new Actuation(a.Path, _store.Get(a.Path)))];
            using var actuation = RuntimeTelemetry.Source.StartActivity("actuate");
            using var deadline = new CancellationTokenSource(remaining, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, item.CancellationToken);
            try
            {
                var pending = _actuator.ApplyAsync(plan.Actuations, linked.Token);
                if (!pending.IsCompletedSuccessfully)
                {
                    pending.AsTask().GetAwaiter().GetResult();
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Complete(item, OutcomeKind.DeadlineMissed, "deadline_missed: the actuator did not finish in time", _responses.DeadlineMissed);
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogActuationFailed(_logger, intent.Name, e);
                Complete(item, OutcomeKind.Failed, "actuator: " + e.Message, _responses.ActuatorFailed);
                return;
            }
        }

        Complete(item, plan.Actuations.Count > 0 ? OutcomeKind.Executed : OutcomeKind.Answered, null, _planner.Respond(intent, plan), plan.Actuations, previous: previous);
        if (intent.Lane != Lane.Cloud && (plan.Actuations.Count > 0 || intent.Slots.Count > 0))
        {
            var position = _store.Position;
            _profile.Record(new HistoryEntry
            {
                Time = _time.GetLocalNow(),
                Intent = intent.Name,
                Slots = new Dictionary<string, string>(plan.Display, StringComparer.Ordinal),
                Latitude = position?.Latitude,
                Longitude = position?.Longitude,
            });
        }
    }

    private void HandOff(WorkItem item, LaneWorker lane)
    {
        if (Missed(item))
        {
            return;
        }

        if (lane.TryEnqueue(item) is { } refusal)
        {
            Complete(item, OutcomeKind.Rejected, refusal, _responses.Busy);
        }
    }

    /// <summary>Completes the request as deadline_missed when its deadline has passed.</summary>
    private bool Missed(WorkItem item)
    {
        if (_time.GetTimestamp() <= item.Deadline)
        {
            return false;
        }

        Complete(item, OutcomeKind.DeadlineMissed, "deadline_missed", _responses.DeadlineMissed);
        return true;
    }

    private void Abandon(WorkItem item) => Complete(item, OutcomeKind.Rejected, "shutting_down", _responses.ShuttingDown);

    /// <summary>A request whose processing threw: failed (unless it already has its outcome), logged and counted; never throws.</summary>
    private void Fail(WorkItem item, Exception exception)
    {
        try
        {
            LogLaneFailure(_logger, item.Lane?.ToString() ?? "intake", exception);
            Complete(item, OutcomeKind.Failed, "internal: " + exception.GetType().Name, _responses.InternalError);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Recording the outcome failed too (a telemetry listener): the caller still gets it.
            item.TryComplete(Outcome(item, OutcomeKind.Failed, "internal: " + exception.GetType().Name, _responses.InternalError, []));
        }
    }

    private CommandOutcome Reject(WorkItem item, string reason)
    {
        var outcome = Outcome(item, OutcomeKind.Rejected, reason, _responses.Busy, []);
        item.TryComplete(outcome);
        Record(outcome);
        return outcome;
    }

    private void Complete(WorkItem item, OutcomeKind kind, string? reason, string response, IReadOnlyList<Actuation>? actuations = null, Guid? cloudQueryId = null, IReadOnlyList<Actuation>? previous = null, Awaiting? awaiting = null)
    {
        var outcome = Outcome(item, kind, reason, response, actuations ?? []) with { CloudQueryId = cloudQueryId, Previous = previous ?? [], Awaiting = awaiting };
        if (item.TryComplete(outcome))
        {
            Record(outcome);
            Activity.Current?.SetTag("outcome", kind.ToContractName());
        }
    }

    private CommandOutcome Outcome(WorkItem item, OutcomeKind kind, string? reason, string response, IReadOnlyList<Actuation> actuations)
    {
        var now = _time.GetTimestamp();
        var wait = item.Started == 0 ? _time.GetElapsedTime(item.Admitted, now) : _time.GetElapsedTime(item.Admitted, item.Started);
        return new CommandOutcome(kind, item.Request.Utterance, item.Lane, item.Understanding, actuations, response, reason, wait, _time.GetElapsedTime(item.Admitted, now));
    }

    private void Record(CommandOutcome outcome)
    {
        var lane = new KeyValuePair<string, object?>("lane", outcome.Lane?.ToString().ToLowerInvariant() ?? "none");
        var kind = new KeyValuePair<string, object?>("outcome", outcome.Kind.ToContractName());
        _metrics.CommandDuration.Record(outcome.Total.TotalMilliseconds, lane, kind);
        _metrics.Outcomes.Add(1, lane, kind);
    }

    private Activity? StartCommand(WorkItem item)
    {
        var activity = RuntimeTelemetry.Source.StartActivity("command", ActivityKind.Internal, item.Parent);
        if (activity is not null)
        {
            // The queue wait as its own span, admission to now.
            using var queue = RuntimeTelemetry.Source.StartActivity("queue", ActivityKind.Internal, activity.Context);
            queue?.SetStartTime(_time.GetUtcNow().UtcDateTime - _time.GetElapsedTime(item.Admitted));
        }

        return activity;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    [LoggerMessage(Level = LogLevel.Error, Message = "A request on the {Lane} lane failed; the lane goes on")]
    private static partial void LogLaneFailure(ILogger logger, string lane, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Actuation of {Intent} failed")]
    private static partial void LogActuationFailed(ILogger logger, string intent, Exception exception);
}
