using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Bus.Car;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Telemetry;
using Vehicle.Runtime.Vehicle;
using Vehicle.Runtime.Vehicle.Kuksa;

namespace Vehicle.Runtime.Hosting;

/// <summary>
/// The car: the one composition root of the on-board copilot. From <see cref="CopilotOptions"/>
/// (or configuration) and optional <see cref="CopilotServices"/> replacements it loads the catalog
/// and the signal definitions once, creates the two encoder sessions, and wires understanding,
/// command channel, safety policy, privacy, profile, cloud link and telemetry. Every host (the
/// CLI, the voice front end, the simulator, the benchmarks, the tests) builds its car here, so
/// what they run and measure is what ships.
/// <para>
/// Flow of one request: <see cref="SubmitAsync(CommandRequest, CancellationToken)"/> hands it to
/// the command channel (admission, lanes, understanding, policy, actuation); a world question
/// leaves through the cloud gateway (redacted, into the bus's outbox) and its answer comes back as
/// a <see cref="CloudResult"/> (<see cref="CloudResults"/>, <see cref="WaitForCloudAsync"/>); a
/// command the cloud suggests is submitted to the same channel, through the same policy.
/// </para>
/// </summary>
public sealed partial class CopilotHost : ICommandChannel
{
    // Results nobody has waited for yet are kept for a late waiter, but only this many.
    private const int KeptResults = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, TaskCompletionSource<CloudResult>> _waiting = [];
    private readonly Dictionary<Guid, CloudResult> _arrived = [];
    private readonly Queue<Guid> _arrivalOrder = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CopilotServices _services;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private OwnedMeterFactory? _ownedMeters;
    private IMeterFactory? _meters;
    private IDisposable? _exporters;
    private ProfileStore? _ownedProfile;
    private EmbeddedCloudLink? _embedded;
    private string? _scratchOutbox;
    private BusCloudGateway? _gateway;
    private CommandChannel? _channel;
    private Dialogue? _dialogue;
    private KuksaVehicle? _kuksa;
    private int _disposed;

    private CopilotHost(CopilotOptions options, CopilotServices services)
    {
        Options = options;
        _services = services;
        _time = services.Time ?? TimeProvider.System;
        _loggers = services.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<CopilotHost>();
    }

    /// <summary>
    /// Every final result of a world question (answered, failed, expired), in the order they
    /// arrive, with personal values put back. Raised on the bus's thread: do not block it.
    /// </summary>
    public event Action<CloudResult>? CloudResults;

    /// <summary>A cloud result that no <see cref="WaitForCloudAsync"/> call was waiting for.</summary>
    public event Action<CloudResult>? UnclaimedCloudResult;

    /// <summary>The options the car runs with.</summary>
    public CopilotOptions Options { get; }

    /// <summary>The vehicle state (signals) the policy reads and the actuator changes.</summary>
    public SignalStore Signals { get; private set; } = null!;

    /// <summary>The driver's profile.</summary>
    public IPersonalProfile Profile { get; private set; } = null!;

    /// <summary>Redaction and the egress guard of every question that leaves the car.</summary>
    public CloudPrivacy Privacy { get; private set; } = null!;

    /// <summary>The car's MQTT client (connection state, counters); null without a bus (cloud off or replaced).</summary>
    public VehicleBusClient? Bus => _gateway?.Bus;

    /// <summary>The vehicle API the car actuates through, and whether it is reachable now.</summary>
    public VehicleApiStatus VehicleApi =>
        _kuksa?.Status ?? new VehicleApiStatus(true, _services.Actuator is not null ? "the host's vehicle API" : "simulated vehicle");

    /// <summary>The intent catalog, loaded once.</summary>
    internal IntentCatalog Catalog { get; private set; } = null!;

    /// <summary>
    /// The recogniser's grammar for this car: its catalog (loaded once) and the names in the
    /// driver's profile now. Build it again after the profile changes.
    /// </summary>
    public SpeechGrammar CreateSpeechGrammar() => SpeechGrammar.FromCatalog(Catalog, Profile.Current);

    /// <summary>Builds and starts the car from configuration (sections Nlu, Channel, Vehicle, Cloud, Bus, Privacy, Profile, Telemetry, Responses).</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static Task<CopilotHost> StartAsync(IConfiguration configuration, CopilotServices? services = null, CancellationToken cancellationToken = default) =>
        StartAsync(CopilotOptions.FromConfiguration(configuration), services, cancellationToken);

    /// <summary>
    /// Builds and starts the car: catalog, signals, profile, privacy, telemetry, the two encoder
    /// sessions (prepared and warmed up), the cloud link, then the channel. On failure everything
    /// already started is released.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    /// <exception cref="CatalogException">The catalog is invalid or reads a signal the vehicle lacks.</exception>
    /// <exception cref="InvalidOperationException">Embedded cloud asked for, and this host offers none.</exception>
    public static async Task<CopilotHost> StartAsync(CopilotOptions options, CopilotServices? services = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var host = new CopilotHost(options, services ?? new CopilotServices());
        try
        {
            await host.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One turn of the speaker's conversation (the seat's own): see <see cref="SubmitAsync(CommandRequest, CancellationToken)"/>.</summary>
    public ValueTask<CommandOutcome> SubmitAsync(string utterance, Seat speaker, CancellationToken cancellationToken = default) =>
        SubmitAsync(new CommandRequest(utterance, speaker), cancellationToken);

    /// <summary>
    /// One turn of a conversation (<see cref="CommandRequest.Conversation"/>, default the seat's):
    /// an answer to what the copilot asked, a follow-up of the last command, or a new request;
    /// every one through the command channel (lanes, deadlines, policy).
    /// </summary>
    public ValueTask<CommandOutcome> SubmitAsync(CommandRequest request, CancellationToken cancellationToken = default) =>
        (_dialogue ?? throw new ObjectDisposedException(nameof(CopilotHost))).SubmitAsync(request, cancellationToken);

    /// <summary>
    /// Waits up to <paramref name="wait"/> (default <c>Cloud:AnswerWait</c>) for the cloud result
    /// of a routed_cloud outcome whose question went out; null when it did not come in time, or
    /// when the question is queued offline.
    /// </summary>
    public async Task<CloudResult?> WaitForCloudAsync(CommandOutcome outcome, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.CloudQueryId is not { } id)
        {
            return null;
        }

        TaskCompletionSource<CloudResult> waiting;
        lock (_gate)
        {
            if (_arrived.Remove(id, out var result))
            {
                return result;
            }

            if (outcome.Reason == "queued_offline")
            {
                return null;
            }

            waiting = new TaskCompletionSource<CloudResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[id] = waiting;
        }

        try
        {
            return await waiting.Task.WaitAsync(wait ?? Options.Cloud.AnswerWait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            lock (_gate)
            {
                _waiting.Remove(id);
            }
        }
    }

    /// <summary>
    /// Stops the car in order: the channel (stops admitting, drains its lanes; every admitted
    /// request gets its outcome), the bus client (in-flight publishes finish), the embedded cloud,
    /// the profile (history flushed), telemetry. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ready.TrySetCanceled();
        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        if (_kuksa is not null)
        {
            await _kuksa.DisposeAsync().ConfigureAwait(false);
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync().ConfigureAwait(false);
        }

        if (_embedded is not null)
        {
            await _embedded.Lifetime.DisposeAsync().ConfigureAwait(false);
        }

        if (_scratchOutbox is not null)
        {
            VehicleBusClient.DeleteOutbox(_scratchOutbox);
        }

        if (_ownedProfile is not null)
        {
            await _ownedProfile.DisposeAsync().ConfigureAwait(false);
        }

        _exporters?.Dispose();
        _ownedMeters?.Dispose();
    }

    internal CommandChannel Channel => _channel ?? throw new ObjectDisposedException(nameof(CopilotHost));

    /// <summary>
    /// Starts the parts in branches that need nothing of each other: the encoder sessions (model
    /// files, two sessions, tokenizer; the intent head once the catalog is there); on this thread
    /// the catalog, signals, profile and privacy; and, once the catalog checks out, the embedded
    /// cloud (broker and responder). They join for the cloud link, the vehicle API and the channel.
    /// </summary>
    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var options = Options;

        // Where start-up goes (the "Copilot started" line says it): real time, whatever the car's clock.
        var started = Stopwatch.GetTimestamp();
        _exporters = TelemetrySetup.Start(options.Telemetry);
        _meters = _services.MeterFactory ?? (_ownedMeters = new OwnedMeterFactory());
        var metrics = new RuntimeMetrics(_meters, this);

        Task<EmbeddedCloudLink>? embedded = null;
        var catalog = new TaskCompletionSource<IntentCatalog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var understanding = _services.Understanders is { } given
            ? TimedAsync(() => Task.FromResult(given()))
            : Task.Run(() => TimedAsync(async () => ((IUtteranceUnderstander, IUtteranceUnderstander))await Understander.CreatePairAsync(options.Nlu, catalog.Task, _loggers, metrics).ConfigureAwait(false)), CancellationToken.None);
        double catalogMs, profileMs;
        try
        {
            // The catalog and the signal definitions, loaded once and handed to everything that reads them.
            var catalogPath = options.Nlu.ResolveCatalogPath();
            Catalog = CatalogLoader.Load(catalogPath);
            catalog.SetResult(Catalog);
            Signals = _services.Signals ?? new SignalStore(SignalStore.LoadDefinitions(options.Vehicle.ResolveSignalsPath()), _time);
            foreach (var intent in Catalog.Intents)
            {
                foreach (var answer in intent.Answers)
                {
                    if (Signals.Find(answer.Signal) is null)
                    {
                        throw new CatalogException($"{catalogPath}: intent '{intent.Name}' reads signal {answer.Signal}, which the vehicle does not have.");
                    }
                }
            }

            catalogMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            // A car whose catalog is broken starts no broker.
            if (options.Cloud.Mode == CloudMode.Embedded && _services.CloudGateway is null)
            {
                embedded = Task.Run(() => StartEmbeddedCloudAsync(cancellationToken), cancellationToken);
            }

            var profileStarted = Stopwatch.GetTimestamp();
            Profile = _services.Profile ?? (_ownedProfile = ProfileStore.Open(options.Profile.ResolvePath()));
            var profile = Profile;
            var signals = Signals;
            Privacy = new CloudPrivacy(options.Privacy, () => profile.Current, () => signals.Position);
            profileMs = Stopwatch.GetElapsedTime(profileStarted).TotalMilliseconds;
        }
        catch
        {
            catalog.TrySetCanceled(CancellationToken.None);
            await ReleaseAsync(understanding, embedded).ConfigureAwait(false);
            throw;
        }

        var joined = Stopwatch.GetTimestamp();
        IUtteranceUnderstander critical, intake;
        double understandingMs;
        try
        {
            ((critical, intake), understandingMs) = await understanding.ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAsync(null, embedded).ConfigureAwait(false);
            throw;
        }

        ICloudGateway? cloud;
        IVehicleActuator actuator;
        try
        {
            cloud = _services.CloudGateway ?? await StartCloudAsync(embedded).ConfigureAwait(false);
            actuator = _services.Actuator ?? (options.Vehicle.Api == Vehicle.VehicleApi.Kuksa
                ? _kuksa = await KuksaVehicle.StartAsync(options.Vehicle.Kuksa, Signals, _time, _loggers, cancellationToken).ConfigureAwait(false)
                : new SimulatedVehicle(Signals));
            _channel = CommandChannel.Create(critical, intake, Catalog, Signals, actuator, options.Channel, options.Responses, cloud, _time, _loggers, metrics, Profile);
            _dialogue = new Dialogue(_channel, Catalog, options.Responses, _time, options.Channel);
        }
        catch
        {
            // The channel owns the sessions once it exists; until then they are the car's to release.
            if (_channel is null)
            {
                critical.Dispose();
                intake.Dispose();
            }

            await ReleaseAsync(null, embedded).ConfigureAwait(false);
            throw;
        }

        _ready.TrySetResult();
        var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var restMs = Stopwatch.GetElapsedTime(joined).TotalMilliseconds;
        LogStarted(_logger, options.Cloud.Mode, _services.CloudGateway is not null, total, catalogMs, profileMs, understandingMs, restMs);
    }

    /// <summary>Runs <paramref name="work"/>, with how long it took.</summary>
    private static async Task<(T Result, double Milliseconds)> TimedAsync<T>(Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await work().ConfigureAwait(false);
        return (result, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>After a failed start: waits for the branches still running and releases what they made.</summary>
    private async Task ReleaseAsync(Task<((IUtteranceUnderstander, IUtteranceUnderstander), double)>? understanding, Task<EmbeddedCloudLink>? embedded)
    {
        if (understanding is not null)
        {
            try
            {
                var ((critical, intake), _) = await understanding.ConfigureAwait(false);
                critical.Dispose();
                intake.Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // It failed as well, or was cancelled by the failure being reported.
            }
        }

        if (embedded is not null && _embedded is null)
        {
            try
            {
                await (await embedded.ConfigureAwait(false)).Lifetime.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // It failed as well.
            }
        }
    }

    private Task<EmbeddedCloudLink> StartEmbeddedCloudAsync(CancellationToken cancellationToken)
    {
        var start = _services.EmbeddedCloud ?? throw new InvalidOperationException(
            "Cloud:Mode is embedded, but this host offers no embedded cloud: set Cloud:Mode to remote (with Bus:Connection:Broker) or off.");
        return start(cancellationToken);
    }

    private async Task<ICloudGateway?> StartCloudAsync(Task<EmbeddedCloudLink>? embedded)
    {
        var bus = Options.Bus;
        switch (Options.Cloud.Mode)
        {
            case CloudMode.Off:
                return null;
            case CloudMode.Embedded:
                _embedded = await embedded!.ConfigureAwait(false);
                bus.Connection = _embedded.Connection;
                bus.ReplyKey = _embedded.ReplyKey;
                if (string.IsNullOrEmpty(bus.OutboxPath))
                {
                    // The embedded broker and responder live as long as this process, so its outbox
                    // does too (a per-process file: concurrent runs never share one). Store-and-forward
                    // across restarts is the remote mode's job.
                    _scratchOutbox = bus.OutboxPath = Path.Combine(Path.GetTempPath(), $"vehicle-copilot-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
                }

                break;
        }

        _gateway = new BusCloudGateway(bus, Privacy, Options.Responses, RunSuggestionAsync, Arrived, _time, _loggers, _services.Jitter, _meters);
        return _gateway;
    }

    /// <summary>
    /// A command the cloud suggested: through the car's own channel and policy, once the channel
    /// exists, and through the dialogue (one that needs a yes is asked in the speaker's conversation).
    /// </summary>
    private async ValueTask<CommandOutcome> RunSuggestionAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        // A reply to a question from an earlier run can arrive while the car is still starting.
        await _ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await SubmitAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private void Arrived(CloudResult result)
    {
        CloudResults?.Invoke(result);
        lock (_gate)
        {
            if (_waiting.Remove(result.QueryId, out var waiting))
            {
                waiting.TrySetResult(result);
                return;
            }

            _arrived[result.QueryId] = result;
            _arrivalOrder.Enqueue(result.QueryId);
            while (_arrivalOrder.Count > KeptResults)
            {
                _arrived.Remove(_arrivalOrder.Dequeue());
            }
        }

        UnclaimedCloudResult?.Invoke(result);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copilot started (cloud: {Mode}, replaced gateway: {Replaced}) in {Milliseconds:F0} ms: catalog and signals {CatalogMs:F0} ms, then profile {ProfileMs:F0} ms; beside them understanding {UnderstandingMs:F0} ms (model, sessions, head) and the embedded cloud; then cloud link, vehicle and channel {RestMs:F0} ms")]
    private static partial void LogStarted(ILogger logger, CloudMode mode, bool replaced, double milliseconds, double catalogMs, double profileMs, double understandingMs, double restMs);
}
