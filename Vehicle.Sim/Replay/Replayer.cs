using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;
using Vehicle.Sim.Report;
using Vehicle.Sim.Trace;
using Vehicle.Voice;
using Vehicle.Voice.Asr;
using Vehicle.Voice.Audio;
using Vehicle.Voice.Vad;

namespace Vehicle.Sim.Replay;

/// <summary>
/// Replays a drive trace through the whole stack: the runtime (understanding, command channel,
/// simulated vehicle), the bus (outbox, MQTT client) through a loopback proxy that connectivity
/// events really cut, a broker (embedded, or real with <c>--broker</c>) and the built-in cloud
/// responder. In virtual time the clock only moves when the replay moves it, in steps of at most
/// <see cref="Step"/>, and only once the system has settled (every outcome in, connection attempts
/// done, every pending cloud query either answered or thinking on the simulated clock): the same
/// trace and seed give the same report.
/// </summary>
public sealed partial class Replayer : IAsyncDisposable
{
    /// <summary>Longest move of the virtual clock at once.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(5);

    // How often a busy compressed replay looks again whether it may jump.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    private readonly ReplayOptions _options;
    private readonly TimeProvider _time;
    private readonly FakeTimeProvider? _virtual;
    private readonly CompressedTimeProvider? _compressed;
    private readonly SignalStore _store;
    private readonly ReportBuilder _report;
    private readonly SemaphoreSlim _changed = new(0);
    private readonly OfflineBackendOptions _cloudOptions;
    private readonly List<Task> _outstanding = [];
    private readonly List<Thread> _hogs = [];
    private readonly Stopwatch _wall = new();
    private ThinkingBackend _backend = null!;
    private EmbeddedBroker? _broker;
    private int _brokerPort;
    private LoopbackProxy _proxy = null!;
    private CloudResponder _responder = null!;
    private CopilotHost _car = null!;
    private string _outbox = string.Empty;
    private string? _scratchProfile;
    private volatile bool _hogging;
    private bool _online = true;
    private ILogger _logger = NullLogger.Instance;
    private readonly VoiceOptions _voiceOptions;
    private PocketSphinxRecognizer? _recognizer;
    private IVoiceActivityDetector? _vad;
    private string? _voiceError;

    private Replayer(ReplayOptions options, TimeProvider time, FakeTimeProvider? fake, CompressedTimeProvider? compressed, SignalStore store, ReportBuilder report)
    {
        _options = options;
        _time = time;
        _virtual = fake;
        _compressed = compressed;
        _store = store;
        _report = report;
        _cloudOptions = new OfflineBackendOptions { LatencyMedianMs = options.CloudLatencyMs, LatencySigma = options.CloudLatencySigma, Seed = options.Seed };
        _voiceOptions = options.Voice;
    }

    private VehicleBusClient Bus => _car.Bus ?? throw new InvalidOperationException("the replayed car has no bus");

    /// <summary>Replays <paramref name="trace"/> and returns its report.</summary>
    /// <exception cref="TraceFormatException">An event the stack refuses (an unknown signal path, a value of the wrong type).</exception>
    public static async Task<SimReport> RunAsync(DriveTrace trace, string traceName, ReplayOptions options, IProgress<double>? progress = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(options);
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var start = trace.Events.OfType<ClockEvent>().FirstOrDefault() is { } clock ? clock.Time - clock.At : new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);
        FakeTimeProvider? fake = options.Clock == ClockMode.Virtual ? new FakeTimeProvider(start) { AutoAdvanceAmount = TimeSpan.Zero } : null;
        using var compressed = options.Clock == ClockMode.Compressed ? new CompressedTimeProvider(start) : null;
        var time = (TimeProvider?)fake ?? (TimeProvider?)compressed ?? TimeProvider.System;
        var store = new SignalStore(SignalStore.LoadDefinitions(options.Copilot.Vehicle.ResolveSignalsPath()), time);
        Validate(trace, store, traceName);
        var report = new ReportBuilder(traceName, trace, options);
        await using var replayer = new Replayer(options, time, fake, compressed, store, report);
        await replayer.StartAsync(loggers).ConfigureAwait(false);
        await replayer.ReplayAsync(trace, progress).ConfigureAwait(false);
        return report.Build(replayer.Bus.Statistics);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _recognizer?.Dispose();
        _vad?.Dispose();
        _hogging = false;
        foreach (var hog in _hogs)
        {
            hog.Join();
        }

        if (_car is not null)
        {
            await _car.DisposeAsync().ConfigureAwait(false);
        }

        if (_responder is not null)
        {
            await _responder.DisposeAsync().ConfigureAwait(false);
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }

        if (_outbox.Length > 0)
        {
            VehicleBusClient.DeleteOutbox(_outbox);
        }

        if (_scratchProfile is not null)
        {
            ProfileStore.Delete(_scratchProfile);
        }

        _changed.Dispose();
    }

    private static void Validate(DriveTrace trace, SignalStore store, string name)
    {
        foreach (var signal in trace.Events.OfType<SignalEvent>())
        {
            var definition = store.Find(signal.Path) ?? throw new TraceFormatException(name, signal.Line, $"unknown signal '{signal.Path}' (see Vehicle.Runtime/Vehicle/signals.yaml)");
            if (!SignalValue.TryParse(signal.Value, definition.Type, out _))
            {
                throw new TraceFormatException(name, signal.Line, $"'{signal.Value}' is not a {definition.Type.ToString().ToLowerInvariant()} value for {signal.Path}");
            }
        }
    }

    private async Task StartAsync(ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger<Replayer>();
        Uri broker;
        if (_options.Broker is null)
        {
            _broker = await EmbeddedBroker.StartAsync(loggerFactory: loggers).ConfigureAwait(false);
            _brokerPort = _broker.Port;
            broker = _broker.Uri;
        }
        else
        {
            broker = MqttConnection.ParseBroker(_options.Broker);
            if (broker.Scheme != "mqtt")
            {
                throw new ArgumentException("the simulator cuts the car's link through a TCP proxy: --broker must be mqtt://");
            }
        }

        _proxy = new LoopbackProxy(new System.Net.IPEndPoint(System.Net.Dns.GetHostAddresses(broker.Host)[0], broker.Port)) { Random = new Random(_options.Seed) };
        _backend = new ThinkingBackend(new OfflineBackend(_cloudOptions, _time), _time, () => _changed.Release());
        // The responder reconnects on the real clock (it is the cloud, not the car); its answers think on the replay's clock.
        // It signs its replies with a key of this replay, the car's only source of suggested commands.
        var replyKey = ReplySignature.NewKey();
        _responder = await CloudResponder.StartAsync(
            new ResponderOptions { Connection = new BrokerOptions { Broker = broker.ToString(), ReconnectMin = TimeSpan.FromMilliseconds(20), ReconnectMax = TimeSpan.FromMilliseconds(200) }, Workers = 8, ReplyKey = replyKey },
            _backend,
            TimeProvider.System,
            loggers).ConfigureAwait(false);
        _outbox = Path.Combine(Path.GetTempPath(), $"vehicle-sim-{Environment.ProcessId}-{Guid.NewGuid():N}.db");

        // The car is the one that ships, with the user's configuration; the replay replaces only
        // what a rig must: the clock, the vehicle state the trace drives, the seed of the bus's
        // jitter, and the link to the cloud (through the proxy that connectivity events cut).
        // The user's options stay as given (a rig replays them several times): the replay's own
        // cloud link and profile go into a copy.
        var user = _options.Copilot;
        if (string.IsNullOrEmpty(user.Profile.Path))
        {
            // A replay must not write a drive's history into the driver's own profile.
            _scratchProfile = Path.Combine(Path.GetTempPath(), $"vehicle-sim-profile-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        }

        var copilot = new CopilotOptions
        {
            Nlu = user.Nlu,
            Channel = user.Channel,
            Vehicle = user.Vehicle,
            Cloud = new CloudOptions { Mode = CloudMode.Remote, AnswerWait = user.Cloud.AnswerWait },
            Bus = user.Bus,
            Privacy = user.Privacy,
            Profile = new ProfileOptions { Path = _scratchProfile ?? user.Profile.Path },
            Telemetry = user.Telemetry,
            Responses = user.Responses,
        };
        copilot.Bus.VehicleId = "sim-car";
        copilot.Bus.OutboxPath = _outbox;
        copilot.Bus.ReplyKey = replyKey;
        // Keep-alive and timeouts run on the real clock: short in real time (a tunnel is found by
        // keep-alive), long when the replay moves its clock (virtual, compressed: a tunnel is a cut
        // there, and a loaded machine must not drop the link on its own and make the run differ).
        copilot.Bus.Connection = _options.Clock == ClockMode.Realtime
            ? new BrokerOptions { Broker = $"mqtt://127.0.0.1:{_proxy.Port}", KeepAlive = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(2) }
            : new BrokerOptions { Broker = $"mqtt://127.0.0.1:{_proxy.Port}", KeepAlive = TimeSpan.FromSeconds(60), Timeout = TimeSpan.FromSeconds(10) };

        _car = await CopilotHost.StartAsync(copilot, new CopilotServices
        {
            Signals = _store,
            Time = _time,
            LoggerFactory = loggers,
            Jitter = new Random(_options.Seed),
        }).ConfigureAwait(false);
        _car.CloudResults += result =>
        {
            _report.CloudResult(result, _time.GetUtcNow());
            _changed.Release();
        };
        // The timeline records transitions of the car's link. The client starts connecting while
        // the car starts, so a first connect before this subscription is read from its state.
        var gate = new Lock();
        bool? last = null;
        void Link(bool up)
        {
            lock (gate)
            {
                if (last == up)
                {
                    return;
                }

                last = up;
                _report.CarLink(_time.GetUtcNow(), up);
            }

            _changed.Release();
        }

        Bus.ConnectionChanged += Link;
        if (Bus.IsConnected)
        {
            Link(up: true);
        }

        await SettleAsync(expectConnected: true).ConfigureAwait(false);
    }

    private async Task ReplayAsync(DriveTrace trace, IProgress<double>? progress)
    {
        _wall.Start();
        var timeline = Timeline(trace);
        var origin = _time.GetUtcNow();
        for (var i = 0; i < timeline.Count; i++)
        {
            var (at, action) = timeline[i];
            await MoveToAsync(origin, at).ConfigureAwait(false);
            await action().ConfigureAwait(false);
            if (_virtual is not null)
            {
                // Virtual time settles after every event (determinism); compressed time lets the
                // next event come while this one's work runs, as real time would.
                await SettleAsync().ConfigureAwait(false);
            }

            progress?.Report((double)(i + 1) / timeline.Count);
        }

        await Task.WhenAll(_outstanding).ConfigureAwait(false);

        // Drain: cloud questions still pending get their answer or expire.
        var end = _time.GetUtcNow() + _options.Drain;
        while (Bus.Pending > 0 && _time.GetUtcNow() < end)
        {
            if (!Stepped)
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
            }
            else
            {
                await MoveToAsync(origin, _time.GetUtcNow() - origin + Step).ConfigureAwait(false);
            }
        }

        _report.Finished(Stepped ? _time.GetUtcNow() - origin : _wall.Elapsed * _options.Speed, _wall.Elapsed, Bus.Pending, _compressed?.Jumped ?? TimeSpan.Zero);
    }

    /// <summary>The trace as timed actions (faults with a duration also get their end).</summary>
    private List<(TimeSpan At, Func<Task> Action)> Timeline(DriveTrace trace)
    {
        var actions = new List<(TimeSpan At, Func<Task> Action)>();
        foreach (var e in trace.Events)
        {
            switch (e)
            {
                case SignalEvent signal:
                    actions.Add((e.At, () => Apply(signal)));
                    break;
                case UtteranceEvent utterance:
                    actions.Add((e.At, () => Ask(utterance)));
                    break;
                case AudioEvent audio:
                    actions.Add((e.At, () => Listen(audio)));
                    break;
                case ConnectivityEvent link:
                    actions.Add((e.At, () => Connectivity(link)));
                    break;
                case FaultEvent fault:
                    actions.Add((e.At, () => Fault(fault, start: true)));
                    if (fault.Duration > TimeSpan.Zero && fault.Kind != FaultKind.BrokerRestart)
                    {
                        actions.Add((e.At + fault.Duration, () => Fault(fault, start: false)));
                    }

                    break;
                case ClockEvent:
                    break;
            }
        }

        return [.. actions.OrderBy(a => a.At)];
    }

    private Task Apply(SignalEvent signal)
    {
        var definition = _store.Find(signal.Path)!;
        SignalValue.TryParse(signal.Value, definition.Type, out var value);
        _store.Set(signal.Path, value, "trace");
        if (signal.Path == "Vehicle.Speed")
        {
            _report.Speed(signal.At, value.Number ?? 0);
        }

        return Task.CompletedTask;
    }

    private async Task Ask(UtteranceEvent utterance)
    {
        var online = _online;
        var submitted = _time.GetUtcNow();
        var outcome = _car.SubmitAsync(new CommandRequest(utterance.Text, utterance.Seat, Conversation: utterance.Conversation)).AsTask();
        if (_virtual is not null)
        {
            // The simulated clock stands still until the outcome is in.
            var result = await outcome.ConfigureAwait(false);
            await Task.Yield();
            _report.Outcome(utterance, result, online, _time.GetUtcNow());
            return;
        }

        _outstanding.Add(outcome.ContinueWith(t => _report.Outcome(utterance, t.Result, online, submitted + t.Result.Total), TaskScheduler.Default));
    }

    /// <summary>
    /// Recorded speech through the voice front end (voice activity, on-board recognition, the same
    /// command channel); each utterance found is reported like a typed one. Without PocketSphinx the
    /// audio is counted as skipped, with the reason in the log.
    /// </summary>
    private Task Listen(AudioEvent audio)
    {
        if (_recognizer is null && _voiceError is null)
        {
            try
            {
                _recognizer = new PocketSphinxRecognizer(_car.CreateSpeechGrammar(), _voiceOptions.Recognizer, _logger);
            }
            catch (InvalidOperationException e)
            {
                _voiceError = e.Message;
                LogVoiceUnavailable(_logger, e.Message);
            }
        }

        if (_recognizer is null)
        {
            _report.AudioSkipped();
            return Task.CompletedTask;
        }

        var path = Path.IsPathRooted(audio.Path) ? audio.Path : Path.Combine(_options.AudioDirectory, audio.Path);
        var online = _online;
        _vad ??= VadModel.Create(null, _logger);
        using var pipeline = new VoicePipeline(_vad, _recognizer, _car, _voiceOptions, seat: audio.Seat, responses: _car.Options.Responses);
        var turns = pipeline.Process(Pcm.ReadWav(path)).ToList();
        if (pipeline.Flush() is { } last)
        {
            turns.Add(last);
        }

        _report.Audio(turns.Count);
        foreach (var turn in turns.Where(t => t.Outcome is not null))
        {
            var heard = new UtteranceEvent(audio.At, audio.Line, turn.Recognition.Transcript ?? turn.Recognition.FreeForm ?? string.Empty, audio.Seat, null, null);
            _report.Outcome(heard, turn.Outcome!, online, _time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audio events are skipped: the voice front end is unavailable ({Reason})")]
    private static partial void LogVoiceUnavailable(ILogger logger, string reason);

    private async Task Connectivity(ConnectivityEvent link)
    {
        _online = link.Online;
        _report.Connectivity(link.At, link.Online);
        // Latency and loss are real-time effects; the virtual clock does not see network delays.
        _proxy.Latency = _virtual is null ? TimeSpan.FromMilliseconds(link.LatencyMs) : TimeSpan.Zero;
        _proxy.Loss = _virtual is null ? link.Loss : 0;
        // Keep-alive runs on the real clock, so when the replay moves its clock a tunnel is a clean cut.
        _proxy.State = link.Online ? ProxyState.Forwarding : link.Blackhole && !Stepped ? ProxyState.Blackhole : ProxyState.Cut;
        if (!link.Online && Stepped)
        {
            await WaitForAsync(() => !Bus.IsConnected).ConfigureAwait(false);
        }
    }

    private async Task Fault(FaultEvent fault, bool start)
    {
        _report.Fault(fault, start);
        switch (fault.Kind)
        {
            case FaultKind.BrokerRestart when _broker is not null:
                await _broker.DisposeAsync().ConfigureAwait(false);
                // The car's first reconnect attempt must fail against the stopped broker, so its
                // backoff (on the simulated clock) decides when it is back.
                await WaitForAsync(() => !Bus.IsConnected && !Bus.IsConnecting && !_responder.IsConnected).ConfigureAwait(false);
                _broker = await EmbeddedBroker.StartAsync(_brokerPort).ConfigureAwait(false);
                await WaitForAsync(() => _responder.IsConnected).ConfigureAwait(false);
                break;
            case FaultKind.BrokerRestart:
                _report.FaultSkipped("broker_restart needs the embedded broker (no --broker)");
                break;
            case FaultKind.CloudSlow:
                _cloudOptions.LatencyMedianMs = start ? fault.LatencyMs : _options.CloudLatencyMs;
                break;
            case FaultKind.CloudFailing:
                _cloudOptions.FailureRate = start ? fault.Rate : 0;
                break;
            case FaultKind.CpuHog when start:
                _hogging = true;
                for (var i = 0; i < fault.Cores; i++)
                {
                    var hog = new Thread(() =>
                    {
                        while (_hogging)
                        {
                            Thread.SpinWait(1000);
                        }
                    })
                    { IsBackground = true, Name = $"cpu-hog-{i}" };
                    hog.Start();
                    _hogs.Add(hog);
                }

                break;
            case FaultKind.CpuHog:
                _hogging = false;
                foreach (var hog in _hogs)
                {
                    hog.Join();
                }

                _hogs.Clear();
                break;
        }
    }

    /// <summary>
    /// Moves the clock: virtual in settled steps; compressed by jumping, only when the system is
    /// idle, to the next due timer or the target, whichever comes first; real time by waiting
    /// (divided by the speed factor).
    /// </summary>
    private async Task MoveToAsync(DateTimeOffset origin, TimeSpan at)
    {
        var target = origin + at;
        if (_compressed is not null)
        {
            await AdvanceAsync(_compressed, target, Idle, WaitForChangeAsync).ConfigureAwait(false);
            return;
        }

        if (_virtual is null)
        {
            var due = (at / _options.Speed) - _wall.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, _time).ConfigureAwait(false);
            }

            return;
        }

        while (_virtual.GetUtcNow() < target)
        {
            var step = target - _virtual.GetUtcNow();
            _virtual.Advance(step < Step ? step : Step);
            await SettleAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The compressed clock's one rule: while anything is in flight, time is real (this waits, and
    /// the target may arrive in real time while work is still running: events then overlap, as
    /// they would in the car); when <paramref name="idle"/> holds, the clock jumps to the next due
    /// timer or the target, whichever comes first, never past a due timer.
    /// </summary>
    /// <param name="clock">The compressed clock.</param>
    /// <param name="target">When the next trace event is due.</param>
    /// <param name="idle">Whether nothing is in flight.</param>
    /// <param name="wait">Waits in real time, at most the given span or until something changes.</param>
    internal static async Task AdvanceAsync(CompressedTimeProvider clock, DateTimeOffset target, Func<bool> idle, Func<TimeSpan, Task> wait)
    {
        while (clock.GetUtcNow() < target)
        {
            if (idle())
            {
                var next = clock.NextDue is { } due && due < target ? due : target;
                if (clock.JumpTo(next) > 0)
                {
                    // What the timers started (a reconnect, an answer) gets a turn to show up as in flight.
                    await wait(TimeSpan.Zero).ConfigureAwait(false);
                }

                continue;
            }

            var remaining = target - clock.GetUtcNow();
            await wait(remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining < PollInterval ? remaining : PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the replay moves its clock (virtual or compressed) rather than pacing on the wall clock.</summary>
    private bool Stepped => _virtual is not null || _compressed is not null;

    /// <summary>
    /// Virtual time: waits (on the real clock, bounded) until nothing can happen without the clock
    /// moving. Compressed time: the same before the replay reads its results; between events the
    /// clock itself decides (<see cref="AdvanceAsync"/>).
    /// </summary>
    private Task SettleAsync(bool expectConnected = false) =>
        Stepped ? WaitForAsync(() => Idle() && (!expectConnected || Bus.IsConnected)) : Task.CompletedTask;

    /// <summary>
    /// Nothing in flight: every utterance's outcome in, no connection attempt running, and the car
    /// offline or every pending cloud query thinking on the replay's clock.
    /// </summary>
    private bool Idle()
    {
        var bus = Bus;
        return _outstanding.TrueForAll(t => t.IsCompleted)
            && !bus.IsConnecting
            && (!bus.IsConnected || bus.Pending <= _backend.Thinking);
    }

    private async Task WaitForChangeAsync(TimeSpan atMost)
    {
        await _changed.WaitAsync(atMost).ConfigureAwait(false);
        await Task.Yield();
    }

    private async Task WaitForAsync(Func<bool> settled)
    {
        var limit = Stopwatch.StartNew();
        while (!settled() && limit.Elapsed < SettleLimit)
        {
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(5)).ConfigureAwait(false);

            // The release may have resumed this loop on the releasing thread (a responder, a lane):
            // leave it, or the replay would run on, and hold up, the very work it waits for.
            await Task.Yield();
        }

        if (!settled())
        {
            _report.Unsettled();
        }
    }

    /// <summary>
    /// The offline cloud, thinking on the simulated clock, with the questions it is thinking about
    /// counted: a question stops counting inside the timer callback, that is inside the replay's
    /// own clock step, so the replay always sees the answer as due before it moves on.
    /// </summary>
    private sealed class ThinkingBackend(OfflineBackend inner, TimeProvider time, Action changed) : ICloudBackend
    {
        private int _thinking;

        public string Name => inner.Name;

        public int Thinking => Volatile.Read(ref _thinking);

        public async Task<CloudAnswer> AnswerAsync(string question, Vehicle.Bus.CoarseLocation? location, CancellationToken cancellationToken)
        {
            var (think, fail) = inner.Draw(question);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Increment(ref _thinking);
            using (time.CreateTimer(
                _ =>
                {
                    Interlocked.Decrement(ref _thinking);
                    done.TrySetResult();
                    changed();
                },
                null,
                think,
                Timeout.InfiniteTimeSpan))
            {
                changed();
                await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return fail ? throw new CloudBackendException("simulated cloud failure") : inner.Lookup(question);
        }
    }
}
