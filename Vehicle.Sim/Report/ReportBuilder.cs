using System.Text.Encodings.Web;
using System.Text.Json;
using HdrHistogram;
using Vehicle.Bus.Car;
using Vehicle.Runtime.Commands;
using Vehicle.Sim.Replay;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Report;

/// <summary>A finished replay's report: <see cref="Json"/> is <c>report.json</c>.</summary>
/// <param name="Json">The report as indented JSON (deterministic in virtual time: no wall-clock values).</param>
/// <param name="Document">The same, parsed, for budget checks and the console summary.</param>
public sealed record SimReport(string Json, JsonDocument Document);

/// <summary>Collects what happens during a replay and writes <c>report.json</c>.</summary>
internal sealed class ReportBuilder(string traceName, DriveTrace trace, ReplayOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Group> _lanes = [];
    private readonly Dictionary<string, Group> _intents = [];
    private readonly List<Utterance> _utterances = [];
    private readonly Dictionary<Guid, CloudQueryState> _cloud = [];
    private readonly List<(double At, bool Online)> _connectivity = [];
    private readonly List<(double At, double Speed)> _speed = [];
    private readonly List<(DateTimeOffset At, bool Up)> _carLink = [];
    private readonly List<string> _faults = [];
    private readonly List<string> _skippedFaults = [];
    private int _audioSkipped;
    private int _audioEvents;
    private int _audioUtterances;
    private int _unsettled;
    private TimeSpan _simulated;
    private TimeSpan _wall;
    private TimeSpan _jumped;
    private int _pendingAtEnd;

    public void Outcome(UtteranceEvent utterance, CommandOutcome outcome, bool online, DateTimeOffset now)
    {
        lock (_gate)
        {
            var lane = outcome.Lane?.ToString().ToLowerInvariant() ?? "none";
            var intent = outcome.Understanding?.Intent ?? "(none)";
            Add(_lanes, lane, outcome);
            Add(_intents, intent, outcome);
            _utterances.Add(new Utterance(utterance, lane, intent, outcome));
            if (outcome.CloudQueryId is { } id)
            {
                var state = _cloud.GetValueOrDefault(id) ?? new CloudQueryState();
                state.AskedAt = now;
                state.Queued = outcome.Reason == "queued_offline";
                state.Online = online;
                _cloud[id] = state;
            }
        }
    }

    public void CloudResult(CloudResult result, DateTimeOffset now)
    {
        lock (_gate)
        {
            var state = _cloud.GetValueOrDefault(result.QueryId) ?? new CloudQueryState();
            state.Result = result.Kind;
            state.ResultAt = now;
            _cloud[result.QueryId] = state;
        }
    }

    public void Connectivity(TimeSpan at, bool online)
    {
        lock (_gate)
        {
            _connectivity.Add((Math.Round(at.TotalSeconds, 3), online));
        }
    }

    public void CarLink(DateTimeOffset now, bool up)
    {
        lock (_gate)
        {
            _carLink.Add((now, up));
        }
    }

    public void Speed(TimeSpan at, double speed)
    {
        lock (_gate)
        {
            // One sample per second is plenty for the timeline.
            if (_speed.Count == 0 || at.TotalSeconds - _speed[^1].At >= 1)
            {
                _speed.Add((Math.Round(at.TotalSeconds, 3), speed));
            }
        }
    }

    public void Fault(FaultEvent fault, bool start)
    {
        lock (_gate)
        {
            _faults.Add($"{fault.At.TotalSeconds:F3}s {(start ? "start" : "end")} {fault.Kind}");
        }
    }

    public void FaultSkipped(string why)
    {
        lock (_gate)
        {
            _skippedFaults.Add(why);
        }
    }

    public void AudioSkipped() => Interlocked.Increment(ref _audioSkipped);

    /// <summary>An audio event went through the voice front end and gave <paramref name="utterances"/> utterances.</summary>
    public void Audio(int utterances)
    {
        Interlocked.Increment(ref _audioEvents);
        Interlocked.Add(ref _audioUtterances, utterances);
    }

    public void Unsettled() => Interlocked.Increment(ref _unsettled);

    public void Finished(TimeSpan simulated, TimeSpan wall, int pending, TimeSpan jumped)
    {
        _simulated = simulated;
        _wall = wall;
        _pendingAtEnd = pending;
        _jumped = jumped;
    }

    public SimReport Build(BusStatistics bus)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            lock (_gate)
            {
                Write(json, bus);
            }
        }

        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
        return new SimReport(text, JsonDocument.Parse(text));
    }

    private static void Add(Dictionary<string, Group> groups, string key, CommandOutcome outcome)
    {
        if (!groups.TryGetValue(key, out var group))
        {
            groups[key] = group = new Group();
        }

        group.Add(outcome);
    }

    private static double Ms(double microseconds) => Math.Round(microseconds / 1000.0, 3);

    private void Write(Utf8JsonWriter json, BusStatistics bus)
    {
        json.WriteStartObject();
        json.WriteStartObject("run");
        json.WriteString("trace", traceName);
        json.WriteString("clock", options.Clock.ToString().ToLowerInvariant());
        json.WriteNumber("speed", options.Speed);
        json.WriteNumber("seed", options.Seed);
        json.WriteString("broker", options.Broker ?? "embedded");
        json.WriteNumber("events", trace.Events.Count);
        json.WriteNumber("skipped_lines", trace.SkippedLines.Count);
        json.WriteNumber("audio_events", _audioEvents);
        json.WriteNumber("audio_utterances", _audioUtterances);
        json.WriteNumber("audio_events_skipped", _audioSkipped);
        json.WriteNumber("simulated_s", Math.Round(_simulated.TotalSeconds, 3));
        if (options.Clock != ClockMode.Virtual)
        {
            // Virtual-time reports carry no wall-clock value: they are byte-identical run to run.
            json.WriteNumber("wall_s", Math.Round(_wall.TotalSeconds, 3));
        }

        if (options.Clock == ClockMode.Compressed)
        {
            // The idle time the compressed clock skipped; the rest of simulated_s was real.
            json.WriteNumber("jumped_s", Math.Round(_jumped.TotalSeconds, 3));
        }

        json.WriteNumber("unsettled_waits", _unsettled);
        json.WriteEndObject();

        json.WriteStartObject("lanes");
        foreach (var lane in new[] { "critical", "interactive", "cloud", "none" })
        {
            if (_lanes.TryGetValue(lane, out var group))
            {
                json.WritePropertyName(lane);
                group.Write(json);
            }
        }

        json.WriteEndObject();
        json.WriteStartObject("intents");
        foreach (var (intent, group) in _intents.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            json.WritePropertyName(intent);
            group.Write(json);
        }

        json.WriteEndObject();
        WriteCloud(json, bus);
        WriteAccuracy(json);

        json.WriteStartArray("faults");
        foreach (var fault in _faults.Concat(_skippedFaults.Select(s => "skipped: " + s)))
        {
            json.WriteStringValue(fault);
        }

        json.WriteEndArray();
        json.WriteStartObject("timeline");
        json.WriteStartArray("speed");
        foreach (var (at, speed) in _speed)
        {
            json.WriteStartArray();
            json.WriteNumberValue(at);
            json.WriteNumberValue(speed);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteStartArray("connectivity");
        foreach (var (at, online) in _connectivity)
        {
            json.WriteStartObject();
            json.WriteNumber("t", at);
            json.WriteBoolean("online", online);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("car_link");
        var origin = _carLink.Count > 0 ? _carLink[0].At : default;
        foreach (var (at, up) in _carLink)
        {
            json.WriteStartObject();
            json.WriteNumber("t", Math.Round((at - origin).TotalSeconds, 3));
            json.WriteBoolean("connected", up);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("commands");
        foreach (var u in _utterances.OrderBy(u => u.Event.At).ThenBy(u => u.Event.Line))
        {
            json.WriteStartObject();
            json.WriteNumber("t", Math.Round(u.Event.At.TotalSeconds, 3));
            json.WriteNumber("line", u.Event.Line);
            json.WriteString("text", u.Event.Text);
            json.WriteString("lane", u.Lane);
            json.WriteString("intent", u.Intent);
            json.WriteString("outcome", u.Outcome.Kind.ToContractName());
            json.WriteNumber("latency_ms", Math.Round(u.Outcome.Total.TotalMilliseconds, 3));
            if (u.Outcome.Reason is { } reason)
            {
                json.WriteString("reason", reason);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void WriteCloud(Utf8JsonWriter json, BusStatistics bus)
    {
        var asked = _cloud.Values.Where(c => c.AskedAt is not null).ToList();
        var answered = asked.Count(c => c.Result == OutcomeKind.Answered);
        var expired = asked.Count(c => c.Result == OutcomeKind.Expired);
        var failed = asked.Count(c => c.Result == OutcomeKind.Failed);
        var latency = new LongHistogram(1, 3_600_000_000, 3);
        foreach (var c in asked.Where(c => c.Result == OutcomeKind.Answered && c.ResultAt is not null))
        {
            latency.RecordValue(Math.Max(0, (long)(c.ResultAt!.Value - c.AskedAt!.Value).TotalMicroseconds));
        }

        json.WriteStartObject("cloud");
        json.WriteNumber("asked", asked.Count);
        json.WriteNumber("sent", asked.Count(c => !c.Queued));
        json.WriteNumber("queued_offline", asked.Count(c => c.Queued));
        json.WriteNumber("answered", answered);
        json.WriteNumber("delivered_after_reconnect", asked.Count(c => c.Queued && c.Result == OutcomeKind.Answered));
        json.WriteNumber("expired", expired);
        json.WriteNumber("failed", failed);
        json.WriteNumber("lost", asked.Count - answered - expired - failed);
        json.WriteNumber("pending_at_end", _pendingAtEnd);
        json.WriteNumber("answer_p50_ms", latency.TotalCount == 0 ? 0 : Ms(latency.GetValueAtPercentile(50)));
        json.WriteNumber("answer_p99_ms", latency.TotalCount == 0 ? 0 : Ms(latency.GetValueAtPercentile(99)));
        json.WriteNumber("answer_max_ms", latency.TotalCount == 0 ? 0 : Ms(latency.GetMaxValue()));
        json.WriteNumber("reconnects", Math.Max(0, bus.Connects - 1));
        json.WriteEndObject();
    }

    private void WriteAccuracy(Utf8JsonWriter json)
    {
        var scored = _utterances.Where(u => u.Event.ExpectIntent is not null || u.Event.ExpectOutcome is not null).ToList();
        json.WriteStartObject("accuracy");
        json.WriteNumber("expectations", scored.Count);
        var intents = scored.Where(u => u.Event.ExpectIntent is not null).ToList();
        var outcomes = scored.Where(u => u.Event.ExpectOutcome is not null).ToList();
        json.WriteNumber("intent_checked", intents.Count);
        json.WriteNumber("intent_correct", intents.Count(u => u.Event.ExpectIntent == u.Intent));
        json.WriteNumber("outcome_checked", outcomes.Count);
        json.WriteNumber("outcome_correct", outcomes.Count(u => u.Event.ExpectOutcome == u.Outcome.Kind.ToContractName()));
        json.WriteStartArray("misses");
        foreach (var u in scored.Where(u => (u.Event.ExpectIntent is { } i && i != u.Intent) || (u.Event.ExpectOutcome is { } o && o != u.Outcome.Kind.ToContractName())))
        {
            json.WriteStartObject();
            json.WriteNumber("line", u.Event.Line);
            json.WriteString("text", u.Event.Text);
            json.WriteString("expected_intent", u.Event.ExpectIntent);
            json.WriteString("intent", u.Intent);
            json.WriteString("expected_outcome", u.Event.ExpectOutcome);
            json.WriteString("outcome", u.Outcome.Kind.ToContractName());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private sealed record Utterance(UtteranceEvent Event, string Lane, string Intent, CommandOutcome Outcome);

    private sealed class CloudQueryState
    {
        public DateTimeOffset? AskedAt { get; set; }

        public bool Queued { get; set; }

        public bool Online { get; set; }

        public OutcomeKind? Result { get; set; }

        public DateTimeOffset? ResultAt { get; set; }
    }

    /// <summary>Latency histogram (HdrHistogram, microseconds) and outcome counts of one lane or intent.</summary>
    private sealed class Group
    {
        private readonly LongHistogram _latency = new(1, 3_600_000_000, 3);
        private readonly Dictionary<OutcomeKind, int> _outcomes = [];

        public void Add(CommandOutcome outcome)
        {
            _latency.RecordValue(Math.Max(0, (long)outcome.Total.TotalMicroseconds));
            _outcomes[outcome.Kind] = _outcomes.GetValueOrDefault(outcome.Kind) + 1;
        }

        public void Write(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            json.WriteNumber("count", _latency.TotalCount);
            json.WriteNumber("p50_ms", Ms(_latency.GetValueAtPercentile(50)));
            json.WriteNumber("p90_ms", Ms(_latency.GetValueAtPercentile(90)));
            json.WriteNumber("p99_ms", Ms(_latency.GetValueAtPercentile(99)));
            json.WriteNumber("p999_ms", Ms(_latency.GetValueAtPercentile(99.9)));
            json.WriteNumber("max_ms", Ms(_latency.GetMaxValue()));
            json.WriteNumber("deadline_missed", _outcomes.GetValueOrDefault(OutcomeKind.DeadlineMissed));
            json.WriteNumber("refused", _outcomes.GetValueOrDefault(OutcomeKind.Refused));
            json.WriteNumber("rejected", _outcomes.GetValueOrDefault(OutcomeKind.Rejected));
            json.WriteNumber("failed", _outcomes.GetValueOrDefault(OutcomeKind.Failed));
            json.WriteNumber("executed", _outcomes.GetValueOrDefault(OutcomeKind.Executed));
            json.WriteNumber("answered", _outcomes.GetValueOrDefault(OutcomeKind.Answered));
            json.WriteNumber("routed_cloud", _outcomes.GetValueOrDefault(OutcomeKind.RoutedCloud));
            json.WriteNumber("asked", _outcomes.GetValueOrDefault(OutcomeKind.Asked));
            json.WriteNumber("cancelled", _outcomes.GetValueOrDefault(OutcomeKind.Cancelled));
            json.WriteEndObject();
        }
    }
}
