using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Vehicle.Sim.Replay;
using Vehicle.Sim.Report;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Tests;

/// <summary>The latency rig: the compressed clock, baselines, repeats, the capacity curve, JUnit.</summary>
public sealed class RigTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private const string Drive = """
        {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 40}
        {"t": 5, "type": "utterance", "text": "open my window halfway", "expect": {"intent": "window.open", "outcome": "executed"}}
        {"t": 20, "type": "utterance", "text": "how much range do I have left"}
        {"t": 40, "type": "utterance", "text": "who wrote hamlet", "expect": {"intent": "cloud.query"}}
        {"t": 60, "type": "utterance", "text": "set the temperature to 21 degrees", "expect": {"intent": "climate.set_temperature"}}
        {"t": 90, "type": "utterance", "text": "close the window", "expect": {"outcome": "executed"}}
        {"t": 120, "type": "signal", "path": "Vehicle.Speed", "value": 0}

        """;

    [Fact]
    public async Task CompressedClock_SystemBusy_DoesNotJumpUntilIdle()
    {
        using var clock = new CompressedTimeProvider(Start);
        using var turns = new SemaphoreSlim(0);
        var waits = 0;
        var idle = false;
        var target = Start + TimeSpan.FromMinutes(10);

        // Busy: the replay only waits (each wait is one turn the test hands out).
        var advancing = Replayer.AdvanceAsync(clock, target, () => Volatile.Read(ref idle), async _ =>
        {
            Interlocked.Increment(ref waits);
            await turns.WaitAsync();
        });
        for (var i = 0; i < 3; i++)
        {
            turns.Release();
        }

        while (Volatile.Read(ref waits) < 4)
        {
            await Task.Yield();
        }

        Assert.False(advancing.IsCompleted);
        Assert.Equal(TimeSpan.Zero, clock.Jumped);
        Assert.True(clock.GetUtcNow() < target);

        // Idle: it jumps.
        Volatile.Write(ref idle, true);
        turns.Release();
        await advancing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(clock.GetUtcNow() >= target);
        Assert.True(clock.Jumped > TimeSpan.FromMinutes(9), clock.Jumped.ToString());
    }

    [Fact]
    public void CompressedClock_JumpPastSeveralTimers_FiresThemInDueOrderAndNoLaterOne()
    {
        using var clock = new CompressedTimeProvider(Start);
        var fired = new List<int>();
        using var third = clock.CreateTimer(_ => fired.Add(3), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
        using var first = clock.CreateTimer(_ => fired.Add(1), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => fired.Add(2), null, TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan);
        using var later = clock.CreateTimer(_ => fired.Add(4), null, TimeSpan.FromMinutes(30), Timeout.InfiniteTimeSpan);
        using var cancelled = clock.CreateTimer(_ => fired.Add(5), null, TimeSpan.FromSeconds(15), Timeout.InfiniteTimeSpan);
        cancelled.Dispose();

        clock.JumpTo(Start + TimeSpan.FromMinutes(1));

        Assert.Equal([1, 2, 3], fired);
        Assert.Equal(Start + TimeSpan.FromMinutes(30), clock.NextDue!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void CompressedClock_JumpToNextDue_AlwaysFiresThatTimer()
    {
        // NextDue is a DateTimeOffset (100 ns ticks), the clock counts finer: a jump to it must still
        // reach the timer, every time, not only when enough real time passes between the two reads.
        using var clock = new CompressedTimeProvider(Start);
        for (var i = 0; i < 2_000; i++)
        {
            var fired = 0;
            using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromTicks(10_000_000 + (i * 37)), Timeout.InfiniteTimeSpan);
            Assert.Equal(1, clock.JumpTo(clock.NextDue!.Value));
            Assert.Equal(1, fired);
        }
    }

    [Fact]
    public async Task CompressedClock_Advance_StopsAtEachDueTimerBeforeGoingOn()
    {
        using var clock = new CompressedTimeProvider(Start);
        var seen = new List<DateTimeOffset>();
        using var a = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        using var b = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(25), Timeout.InfiniteTimeSpan);

        await Replayer.AdvanceAsync(clock, Start + TimeSpan.FromSeconds(60), () =>
        {
            seen.Add(clock.GetUtcNow());
            return true;
        }, _ => Task.CompletedTask);

        // Idle each time it looks: it jumps to the first timer, then the second, then the target.
        Assert.Equal(3, seen.Count);
        Assert.Equal(Start, seen[0], TimeSpan.FromSeconds(1));
        Assert.Equal(Start + TimeSpan.FromSeconds(10), seen[1], TimeSpan.FromSeconds(1));
        Assert.Equal(Start + TimeSpan.FromSeconds(25), seen[2], TimeSpan.FromSeconds(1));
        Assert.True(clock.GetUtcNow() >= Start + TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task CompressedClock_TimerDueInRealTime_FiresWithoutAJump()
    {
        using var clock = new CompressedTimeProvider(Start);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = clock.CreateTimer(_ => fired.TrySetResult(), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.Zero, clock.Jumped);
    }

    [Fact]
    public async Task Replay_CompressedClock_HonestNonZeroLatenciesAndTheIdleTimeSkipped()
    {
        var report = (await Replayer.RunAsync(Read(Drive), "drive.jsonl", new ReplayOptions())).Document.RootElement;

        var run = report.GetProperty("run");
        Assert.Equal("compressed", run.GetProperty("clock").GetString());
        Assert.True(run.GetProperty("simulated_s").GetDouble() >= 120, run.ToString());
        Assert.True(run.GetProperty("jumped_s").GetDouble() > 0, run.ToString());
        var critical = report.GetProperty("lanes").GetProperty("critical");
        Assert.True(critical.GetProperty("p50_ms").GetDouble() > 0, critical.ToString());
        Assert.Equal(0, critical.GetProperty("deadline_missed").GetInt32());
        var accuracy = report.GetProperty("accuracy");
        Assert.Equal(accuracy.GetProperty("intent_checked").GetInt32(), accuracy.GetProperty("intent_correct").GetInt32());
        Assert.Equal(accuracy.GetProperty("outcome_checked").GetInt32(), accuracy.GetProperty("outcome_correct").GetInt32());
        Assert.Equal(1, report.GetProperty("cloud").GetProperty("answered").GetInt32());
    }

    [Fact]
    public async Task Replay_CompressedAndRealTimeClocks_SameIntentsAndOutcomes()
    {
        const string Short = """
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 90}
            {"t": 1, "type": "utterance", "text": "open the sunroof"}
            {"t": 2, "type": "utterance", "text": "who wrote hamlet"}
            {"t": 3, "type": "connectivity", "online": false}
            {"t": 4, "type": "utterance", "text": "what is the capital of japan"}
            {"t": 5, "type": "utterance", "text": "set the fan to level three"}
            {"t": 8, "type": "connectivity", "online": true}
            {"t": 9, "type": "utterance", "text": "lock the doors"}
            """;

        // Budgets no loaded test machine misses in real time: the clocks are compared, not the machine.
        static ReplayOptions Options(ClockMode clock) => new()
        {
            Clock = clock,
            Speed = 2,
            Drain = TimeSpan.FromSeconds(20),
            Copilot = new() { Channel = new() { CriticalBudget = TimeSpan.FromSeconds(5), InteractiveBudget = TimeSpan.FromSeconds(5) } },
        };

        var compressed = await ReplayAsync(Short, Options(ClockMode.Compressed));
        var realtime = await ReplayAsync(Short, Options(ClockMode.Realtime));

        Assert.Equal(Commands(realtime), Commands(compressed));
        Assert.Equal(5, Commands(compressed).Count);
    }

    [Fact]
    public void Baseline_FloorAndTolerance_DecideWhatIsARegression()
    {
        using var baseline = JsonDocument.Parse("""{"lanes": {"critical": {"p50_ms": 0.3, "p99_ms": 4.0, "max_ms": 9.0}}, "cloud": {"answer_p50_ms": 300, "answer_p99_ms": 500}}""");
        using var current = JsonDocument.Parse("""{"lanes": {"critical": {"p50_ms": 0.5, "p99_ms": 10.0, "max_ms": 10.0}}, "cloud": {"answer_p50_ms": 330, "answer_p99_ms": 900}}""");

        var deltas = Baseline.Compare(current.RootElement, baseline.RootElement);

        Assert.Equal(["lanes.critical.p50_ms", "lanes.critical.p99_ms", "lanes.critical.max_ms", "cloud.answer_p50_ms", "cloud.answer_p99_ms"], deltas.Select(d => d.Key));
        // 0.3 -> 0.5 ms is 1.67x but under the 1 ms floor; 9 -> 10 is within 1.25x; 300 -> 330 too.
        Assert.Equal(["lanes.critical.p99_ms", "cloud.answer_p99_ms"], deltas.Where(d => d.Regression).Select(d => d.Key));
        Assert.Equal(2.5, deltas[1].Ratio, 3);
        Assert.DoesNotContain(Baseline.Compare(current.RootElement, baseline.RootElement, tolerance: 3), d => d.Regression);
        Assert.Contains("lanes.critical.p50_ms", Baseline.Compare(current.RootElement, baseline.RootElement, floorMs: 0).Where(d => d.Regression).Select(d => d.Key));
    }

    [Fact]
    public async Task Cli_DoctoredBaseline_ExitsOneNamingTheLaneAndPercentile()
    {
        var directory = Directory.CreateTempSubdirectory("rig-baseline-").FullName;
        try
        {
            var trace = Path.Combine(directory, "drive.jsonl");
            await File.WriteAllTextAsync(trace, Drive);
            var (exit, _, stderr) = await SimCli.RunAsync(directory, "replay", trace, "--out", Path.Combine(directory, "old"));
            Assert.True(exit == 0, stderr);

            // The same run, as a baseline: no regression. A baseline made 1000x faster: a regression.
            var old = Path.Combine(directory, "old", "report.json");
            var doctored = JsonNode.Parse(await File.ReadAllTextAsync(old))!;
            var p99 = doctored["lanes"]!["critical"]!["p99_ms"]!.GetValue<double>();
            doctored["lanes"]!["critical"]!["p99_ms"] = p99 / 1000;
            var fast = Path.Combine(directory, "fast.json");
            await File.WriteAllTextAsync(fast, doctored.ToJsonString());

            (exit, var stdout, stderr) = await SimCli.RunAsync(directory, "replay", trace, "--out", Path.Combine(directory, "new"), "--baseline", fast, "--floor-ms", "0", "--junit", Path.Combine(directory, "junit.xml"));

            Assert.True(exit == 1, stdout + stderr);
            Assert.Contains("Regression:", stdout, StringComparison.Ordinal);
            Assert.Contains("lanes.critical.p99_ms", stdout[stdout.IndexOf("Regression:", StringComparison.Ordinal)..], StringComparison.Ordinal);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "new", "report.json")));
            var section = report.RootElement.GetProperty("baseline");
            Assert.True(section.GetProperty("regressions").GetInt32() >= 1);
            Assert.Contains(section.GetProperty("deltas").EnumerateArray(), d => d.GetProperty("key").GetString() == "lanes.critical.p99_ms" && d.GetProperty("regression").GetBoolean());
            var junit = XDocument.Load(Path.Combine(directory, "junit.xml"));
            Assert.Contains(junit.Descendants("testcase"), c => (string?)c.Attribute("name") == "lanes.critical.p99_ms" && c.Element("failure") is not null);
            Assert.Contains("baseline", await File.ReadAllTextAsync(Path.Combine(directory, "new", "report.html")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Repeats_Combine_MediansInPlaceAndTheSpreadKept()
    {
        static string Report(double p50, double p99, int missed) =>
            $$$"""{"lanes": {"critical": {"count": 10, "p50_ms": {{{p50}}}, "p90_ms": 1, "p99_ms": {{{p99}}}, "p999_ms": 1, "max_ms": 1, "deadline_missed": {{{missed}}}}}, "cloud": {"answer_p50_ms": 300, "answer_p99_ms": 400}}""";

        var combined = Repeats.Combine([Report(1, 9, 0), Report(5, 7, 3), Report(3, 8, 0)], warmups: 1);

        Assert.Equal(3, combined["lanes"]!["critical"]!["p50_ms"]!.GetValue<double>());
        Assert.Equal(8, combined["lanes"]!["critical"]!["p99_ms"]!.GetValue<double>());
        Assert.Equal(0, combined["lanes"]!["critical"]!["deadline_missed"]!.GetValue<long>());
        var figure = combined["runs"]!["figures"]!["lanes.critical.p50_ms"]!;
        Assert.Equal((3.0, 1.0, 5.0), (figure["median"]!.GetValue<double>(), figure["min"]!.GetValue<double>(), figure["max"]!.GetValue<double>()));
        Assert.Equal([1.0, 5.0, 3.0], figure["values"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal((3, 1), (combined["runs"]!["count"]!.GetValue<int>(), combined["runs"]!["warmup"]!.GetValue<int>()));
        Assert.Equal(2.5, Repeats.Median([4, 1, 2, 3]));
    }

    [Fact]
    public async Task Rig_Runs_ReportsMediansOfTheRuns()
    {
        var result = await Rig.RunAsync(Read(Drive), "drive.jsonl", new ReplayOptions(), new RigOptions { Runs = 2 });

        var root = result.Report.Document.RootElement;
        var runs = root.GetProperty("runs");
        Assert.Equal((2, 1), (runs.GetProperty("count").GetInt32(), runs.GetProperty("warmup").GetInt32()));
        var figure = runs.GetProperty("figures").GetProperty("lanes.critical.p99_ms");
        var values = figure.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(2, values.Count);
        Assert.Equal(Math.Round((values[0] + values[1]) / 2, 3), root.GetProperty("lanes").GetProperty("critical").GetProperty("p99_ms").GetDouble(), 3);
        Assert.True(values.TrueForAll(v => v > 0));
    }

    [Fact]
    public async Task Rig_Sweep_ReportsEachLaneAgainstLoadAndTheKnee()
    {
        var result = await Rig.RunAsync(Read(Drive), "drive.jsonl", new ReplayOptions(), new RigOptions { Sweep = [1, 4] });

        var sweep = result.Report.Document.RootElement.GetProperty("sweep");
        Assert.Equal([1.0, 4.0], sweep.GetProperty("factors").EnumerateArray().Select(f => f.GetDouble()));
        var critical = sweep.GetProperty("lanes").GetProperty("critical").EnumerateArray().ToList();
        Assert.Equal([1.0, 4.0], critical.Select(p => p.GetProperty("factor").GetDouble()));
        Assert.All(critical, p =>
        {
            Assert.True(p.GetProperty("count").GetInt32() >= 2);
            Assert.True(p.GetProperty("p99_ms").GetDouble() >= p.GetProperty("p50_ms").GetDouble());
            Assert.True(p.GetProperty("deadline_missed").GetInt32() >= 0);
        });
        var knee = sweep.GetProperty("knee").GetProperty("critical");
        Assert.True(knee.ValueKind is JsonValueKind.Null or JsonValueKind.Number);
        Assert.Equal(TimeSpan.FromSeconds(30), Sweep.Denser(Read(Drive), 4).Duration);
        Assert.Throws<FormatException>(() => Sweep.ParseFactors("5,2"));
        Assert.Throws<FormatException>(() => Sweep.ParseFactors("1,x"));
        await Assert.ThrowsAsync<ArgumentException>(() => Rig.RunAsync(Read(Drive), "drive.jsonl", new ReplayOptions { Clock = ClockMode.Virtual }, new RigOptions { Sweep = [1] }));
    }

    [Fact]
    public void JUnit_BudgetsExpectationsAndBaseline_ValidJUnitXmlWithTheMeasuredValues()
    {
        using var report = JsonDocument.Parse("""
            {"run": {"trace": "drive.jsonl"}, "timeline": {"commands": [
              {"line": 2, "text": "open my window halfway", "intent": "window.open", "outcome": "executed"},
              {"line": 4, "text": "who wrote hamlet", "intent": "cloud.query", "outcome": "routed_cloud"},
              {"line": 5, "text": "set the temperature to 21 degrees", "intent": "climate.fan", "outcome": "executed"}]}}
            """);
        var budgets = new Dictionary<string, double> { ["lanes.critical.p99_ms"] = 50, ["cloud.lost"] = 0 };
        BudgetViolation[] violations = [new("cloud.lost", 0, 2)];
        BaselineDelta[] baseline = [new("lanes.critical.p99_ms", 4, 9, true), new("lanes.critical.p50_ms", 3, 3, false)];

        var xml = JUnitReport.Build(report.RootElement, Read(Drive), budgets, violations, baseline);

        var schemas = new XmlSchemaSet();
        schemas.Add(null, XmlReader.Create(new StringReader(JUnitSchema)));
        var errors = new List<string>();
        xml.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
        var suites = xml.Root!.Elements("testsuite").ToDictionary(s => (string)s.Attribute("name")!);
        Assert.Equal(("2", "1"), ((string)suites["budgets"].Attribute("tests")!, (string)suites["budgets"].Attribute("failures")!));
        Assert.Equal("cloud.lost = 2 > 0", (string)suites["budgets"].Descendants("failure").Single().Attribute("message")!);
        // Four utterances carry expectations; line 5's intent is not what was expected, line 6 never ran.
        Assert.Equal(("4", "2"), ((string)suites["expectations"].Attribute("tests")!, (string)suites["expectations"].Attribute("failures")!));
        Assert.Contains(suites["expectations"].Descendants("failure"), f => ((string)f.Attribute("message")!).Contains("intent: expected climate.set_temperature, got climate.fan", StringComparison.Ordinal));
        Assert.Equal(("2", "1"), ((string)suites["baseline"].Attribute("tests")!, (string)suites["baseline"].Attribute("failures")!));
    }

    /// <summary>The JUnit XML format as Jenkins and GitLab read it (the common subset of the published JUnit schemas).</summary>
    private const string JUnitSchema = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
          <xs:element name="testsuites">
            <xs:complexType>
              <xs:sequence><xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
              <xs:attribute name="name" type="xs:string"/>
              <xs:attribute name="tests" type="xs:int"/>
              <xs:attribute name="failures" type="xs:int"/>
              <xs:attribute name="errors" type="xs:int"/>
              <xs:attribute name="time" type="xs:decimal"/>
            </xs:complexType>
          </xs:element>
          <xs:element name="testsuite">
            <xs:complexType>
              <xs:sequence><xs:element ref="testcase" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
              <xs:attribute name="name" type="xs:string" use="required"/>
              <xs:attribute name="tests" type="xs:int" use="required"/>
              <xs:attribute name="failures" type="xs:int"/>
              <xs:attribute name="errors" type="xs:int"/>
              <xs:attribute name="skipped" type="xs:int"/>
              <xs:attribute name="time" type="xs:decimal"/>
            </xs:complexType>
          </xs:element>
          <xs:element name="testcase">
            <xs:complexType>
              <xs:choice minOccurs="0" maxOccurs="unbounded">
                <xs:element name="failure"><xs:complexType><xs:simpleContent><xs:extension base="xs:string">
                  <xs:attribute name="message" type="xs:string"/><xs:attribute name="type" type="xs:string"/>
                </xs:extension></xs:simpleContent></xs:complexType></xs:element>
                <xs:element name="error"><xs:complexType><xs:simpleContent><xs:extension base="xs:string">
                  <xs:attribute name="message" type="xs:string"/><xs:attribute name="type" type="xs:string"/>
                </xs:extension></xs:simpleContent></xs:complexType></xs:element>
                <xs:element name="skipped"/>
              </xs:choice>
              <xs:attribute name="name" type="xs:string" use="required"/>
              <xs:attribute name="classname" type="xs:string"/>
              <xs:attribute name="time" type="xs:decimal"/>
            </xs:complexType>
          </xs:element>
        </xs:schema>
        """;

    private static DriveTrace Read(string trace) => TraceReader.Read(new StringReader(trace), "drive.jsonl");

    private static async Task<JsonDocument> ReplayAsync(string trace, ReplayOptions options) =>
        (await Replayer.RunAsync(Read(trace), "drive.jsonl", options)).Document;

    private static List<(int Line, string? Intent, string? Outcome)> Commands(JsonDocument report) =>
        [.. report.RootElement.GetProperty("timeline").GetProperty("commands").EnumerateArray()
            .Select(c => (c.GetProperty("line").GetInt32(), c.GetProperty("intent").GetString(), c.GetProperty("outcome").GetString()))
            .OrderBy(c => c.Item1)];
}
