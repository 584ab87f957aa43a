using System.Text.Json;
using Vehicle.Sim.Replay;
using Vehicle.Sim.Report;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Tests;

/// <summary>Replays through the whole stack: runtime, bus, embedded broker, responder.</summary>
public sealed class ReplayTests
{
    private const string Outage = """
        {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 80}
        {"t": 1, "type": "utterance", "text": "who wrote hamlet", "expect": {"intent": "cloud.query"}}
        {"t": 5, "type": "connectivity", "online": false, "blackhole": true}
        {"t": 6, "type": "utterance", "text": "what is the capital of japan", "expect": {"outcome": "routed_cloud"}}
        {"t": 7, "type": "utterance", "text": "open my window halfway", "expect": {"intent": "window.open", "outcome": "executed"}}
        {"t": 8, "type": "utterance", "text": "pop the trunk", "expect": {"intent": "trunk.open", "outcome": "refused"}}
        {"t": 20, "type": "connectivity", "online": true}
        {"t": 21, "type": "signal", "path": "Vehicle.Speed", "value": 0}

        """;

    [Fact]
    public async Task A_question_asked_in_a_tunnel_is_queued_and_delivered_after_the_reconnect()
    {
        var report = await ReplayAsync(Outage, new ReplayOptions());
        var cloud = report.RootElement.GetProperty("cloud");
        Assert.Equal(2, cloud.GetProperty("asked").GetInt32());
        Assert.Equal(1, cloud.GetProperty("queued_offline").GetInt32());
        Assert.Equal(1, cloud.GetProperty("delivered_after_reconnect").GetInt32());
        Assert.Equal(2, cloud.GetProperty("answered").GetInt32());
        Assert.Equal(0, cloud.GetProperty("lost").GetInt32());
        // Asked at 6 s, link back at 20 s: the answer cannot have come sooner than 14 s.
        Assert.True(cloud.GetProperty("answer_max_ms").GetDouble() >= 14_000, cloud.ToString());
        var accuracy = report.RootElement.GetProperty("accuracy");
        Assert.Equal((3, 3), (accuracy.GetProperty("intent_correct").GetInt32(), accuracy.GetProperty("intent_checked").GetInt32()));
        Assert.Equal((3, 3), (accuracy.GetProperty("outcome_correct").GetInt32(), accuracy.GetProperty("outcome_checked").GetInt32()));
        Assert.Equal(1, report.RootElement.GetProperty("lanes").GetProperty("critical").GetProperty("refused").GetInt32());
    }

    [Fact]
    public async Task Store_and_forward_through_a_real_outage_also_works_against_mosquitto()
    {
        await using var mosquitto = new Vehicle.Bus.Loopback.MosquittoProcess();
        await mosquitto.StartAsync();
        var report = await ReplayAsync(Outage, new ReplayOptions { Broker = mosquitto.Uri.ToString() });
        var cloud = report.RootElement.GetProperty("cloud");
        Assert.Equal("mqtt://127.0.0.1:" + mosquitto.Port + "/", report.RootElement.GetProperty("run").GetProperty("broker").GetString());
        Assert.Equal((1, 1, 0), (cloud.GetProperty("queued_offline").GetInt32(), cloud.GetProperty("delivered_after_reconnect").GetInt32(), cloud.GetProperty("lost").GetInt32()));
    }

    [Fact]
    public async Task The_same_trace_and_seed_give_a_byte_identical_report_in_virtual_time()
    {
        var trace = Outage + """
            {"t": 22, "type": "fault", "kind": "broker_restart"}
            {"t": 22.5, "type": "utterance", "text": "who painted the mona lisa"}
            {"t": 30, "type": "fault", "kind": "cloud_slow", "latency_ms": 2500, "duration_s": 10}
            {"t": 31, "type": "utterance", "text": "how far is the moon"}
            """;
        var first = await ReplayJsonAsync(trace, new ReplayOptions { Seed = 7, Clock = ClockMode.Virtual });
        var second = await ReplayJsonAsync(trace, new ReplayOptions { Seed = 7, Clock = ClockMode.Virtual });
        Assert.Equal(first, second);
        using var report = JsonDocument.Parse(first);
        Assert.Equal(0, report.RootElement.GetProperty("cloud").GetProperty("lost").GetInt32());
        Assert.True(report.RootElement.GetProperty("cloud").GetProperty("reconnects").GetInt32() >= 2);
    }

    [Fact]
    public async Task An_unknown_signal_path_is_bad_input_naming_its_line()
    {
        var error = await Assert.ThrowsAsync<TraceFormatException>(() => ReplayAsync("""
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 1}
            {"t": 1, "type": "signal", "path": "Vehicle.Warp.Drive", "value": 9}
            """, new ReplayOptions()));
        Assert.StartsWith("test.jsonl:2: unknown signal 'Vehicle.Warp.Drive'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Budgets_compare_report_values_and_reject_unknown_keys()
    {
        using var report = JsonDocument.Parse("""{"lanes": {"critical": {"p99_ms": 12.5, "deadline_missed": 0}}, "cloud": {"lost": 1}}""");
        var broken = Budgets.Check(report, new Dictionary<string, double> { ["lanes.critical.p99_ms"] = 50, ["cloud.lost"] = 0, ["lanes.interactive.deadline_missed"] = 0 });
        var violation = Assert.Single(broken);
        Assert.Equal(("cloud.lost", 0.0, 1.0), (violation.Key, violation.Limit, violation.Actual!.Value));
        Assert.Throws<FormatException>(() => Budgets.Check(report, new Dictionary<string, double> { ["cloud.happiness"] = 1 }));
        Assert.Equal(new KeyValuePair<string, double>("lanes.critical.p99_ms", 50), Budgets.ParseFlag("lanes.critical.p99_ms=50"));
        Assert.Throws<FormatException>(() => Budgets.ParseFlag("p99<50"));
    }

    [Fact]
    public async Task The_command_line_gates_on_budgets_with_exit_codes_0_1_and_2()
    {
        var directory = Directory.CreateTempSubdirectory("sim-cli-").FullName;
        try
        {
            var trace = Path.Combine(directory, "drive.jsonl");
            await File.WriteAllTextAsync(trace, Outage);
            var (pass, _, _) = await SimCli.RunAsync(directory, "replay", trace, "--out", directory, "--budget", "lanes.critical.deadline_missed=0", "--budget", "cloud.lost=0");
            Assert.Equal(0, pass);
            Assert.True(File.Exists(Path.Combine(directory, "report.json")));

            var (broken, stdout, _) = await SimCli.RunAsync(directory, "replay", trace, "--out", directory, "--budget", "cloud.answer_max_ms=1");
            Assert.Equal(1, broken);
            Assert.Contains("cloud.answer_max_ms", stdout, StringComparison.Ordinal);

            await File.AppendAllTextAsync(trace, "{\"t\": 30, \"type\": \"utterance\"}\n");
            var (bad, _, stderr) = await SimCli.RunAsync(directory, "replay", trace, "--out", directory);
            Assert.Equal(2, bad);
            Assert.Contains("drive.jsonl:9:", stderr, StringComparison.Ordinal);

            var (lenient, _, lenientErr) = await SimCli.RunAsync(directory, "replay", trace, "--out", directory, "--lenient");
            Assert.Equal(0, lenient);
            Assert.Contains("skipped: drive.jsonl:9:", lenientErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_shipped_commute_replays_with_every_expectation_met_and_nothing_lost()
    {
        var trace = TraceReader.Read(Path.Combine(AppContext.BaseDirectory, "traces", "commute.jsonl"));
        var report = (await Replayer.RunAsync(trace, "commute.jsonl", new ReplayOptions())).Document.RootElement;
        var accuracy = report.GetProperty("accuracy");
        Assert.True(accuracy.GetProperty("intent_checked").GetInt32() >= 55);
        Assert.Equal(accuracy.GetProperty("intent_checked").GetInt32(), accuracy.GetProperty("intent_correct").GetInt32());
        Assert.Equal(accuracy.GetProperty("outcome_checked").GetInt32(), accuracy.GetProperty("outcome_correct").GetInt32());
        var cloud = report.GetProperty("cloud");
        Assert.Equal(0, cloud.GetProperty("lost").GetInt32());
        Assert.Equal(4, cloud.GetProperty("delivered_after_reconnect").GetInt32());
        Assert.Equal(0, report.GetProperty("run").GetProperty("unsettled_waits").GetInt32());
    }

    [Fact]
    public async Task Audio_events_go_through_the_voice_front_end_and_their_commands_are_executed()
    {
        // A spoken command (espeak-ng) with silence around it, referenced by the trace by a relative path.
        var folder = Directory.CreateTempSubdirectory("sim-audio-");
        var clip = Path.Combine(folder.FullName, "window.wav");
        var samples = Vehicle.Voice.Tts.Espeak.Synthesize("open the driver window halfway", "en-us", 160);
        Vehicle.Voice.Audio.Pcm.WriteWav(clip, [.. new short[8000], .. samples, .. new short[12000]]);
        const string trace = """
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 30}
            {"t": 1, "type": "audio", "path": "window.wav"}
            {"t": 2, "type": "utterance", "text": "lock the doors"}
            """;

        var report = (await Replayer.RunAsync(TraceReader.Read(new StringReader(trace), "audio.jsonl"), "audio.jsonl", new ReplayOptions { AudioDirectory = folder.FullName })).Document.RootElement;

        var run = report.GetProperty("run");
        Assert.Equal(1, run.GetProperty("audio_events").GetInt32());
        Assert.Equal(1, run.GetProperty("audio_utterances").GetInt32());
        Assert.Equal(0, run.GetProperty("audio_events_skipped").GetInt32());
        var commands = report.GetProperty("timeline").GetProperty("commands").EnumerateArray().ToList();
        var spoken = Assert.Single(commands, c => c.GetProperty("line").GetInt32() == 2);
        // The timeline shows what the recogniser heard (its accuracy is Vehicle.Voice.Tests' subject).
        Assert.StartsWith("open the ", spoken.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("window.open", spoken.GetProperty("intent").GetString());
        Assert.Equal("executed", spoken.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_real_time_replay_of_the_real_rav4_minute_measures_real_latencies()
    {
        var trace = TraceReader.Read(Path.Combine(AppContext.BaseDirectory, "traces", "rav4-highway.jsonl"));
        var report = (await Replayer.RunAsync(trace, "rav4-highway.jsonl", new ReplayOptions { Clock = ClockMode.Realtime, Drain = TimeSpan.FromSeconds(20) })).Document.RootElement;
        Assert.Equal("realtime", report.GetProperty("run").GetProperty("clock").GetString());
        Assert.True(report.GetProperty("run").GetProperty("wall_s").GetDouble() >= trace.Duration.TotalSeconds - 0.1, report.GetProperty("run").ToString());
        var critical = report.GetProperty("lanes").GetProperty("critical");
        Assert.True(critical.GetProperty("p50_ms").GetDouble() > 0, critical.ToString());
        Assert.Equal(0, critical.GetProperty("deadline_missed").GetInt32());
        Assert.Equal(1, report.GetProperty("cloud").GetProperty("answered").GetInt32());
        Assert.True(report.GetProperty("timeline").GetProperty("speed").GetArrayLength() >= 50);
    }

    private static async Task<JsonDocument> ReplayAsync(string trace, ReplayOptions options) =>
        JsonDocument.Parse(await ReplayJsonAsync(trace, options));

    private static async Task<string> ReplayJsonAsync(string trace, ReplayOptions options) =>
        (await Replayer.RunAsync(TraceReader.Read(new StringReader(trace), "test.jsonl"), "test.jsonl", options)).Json;
}
