using System.Globalization;
using Vehicle.Sim.Import;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Tests;

public sealed class TraceReaderTests
{
    [Fact]
    public void Every_event_type_is_read_in_time_order()
    {
        var trace = TraceReader.Read(new StringReader("""
            // a comment
            {"t": 2, "type": "utterance", "text": "open my window", "seat": "passenger", "expect": {"intent": "window.open", "outcome": "executed"}}
            {"t": 0, "type": "clock", "time": "2026-11-30T08:05:00+01:00"}
            {"t": 1, "type": "signal", "path": "Vehicle.Speed", "value": 42.5}

            {"t": 3, "type": "connectivity", "online": false, "blackhole": true}
            {"t": 4, "type": "fault", "kind": "cloud_failing", "rate": 0.5, "duration_s": 10}
            {"t": 5, "type": "fault", "kind": "cpu_hog", "cores": 2, "duration_s": 3}
            {"t": 6, "type": "audio", "path": "clip.wav"}
            {"t": 7, "type": "fault", "kind": "broker_restart"}
            """), "t.jsonl");

        Assert.Empty(trace.SkippedLines);
        Assert.Equal([typeof(ClockEvent), typeof(SignalEvent), typeof(UtteranceEvent), typeof(ConnectivityEvent), typeof(FaultEvent), typeof(FaultEvent), typeof(AudioEvent), typeof(FaultEvent)], trace.Events.Select(e => e.GetType()));
        var utterance = Assert.IsType<UtteranceEvent>(trace.Events[2]);
        Assert.Equal((Runtime.Nlu.Seat.Passenger, "window.open", "executed", 2), (utterance.Seat, utterance.ExpectIntent, utterance.ExpectOutcome, utterance.Line));
        Assert.Equal("42.5", Assert.IsType<SignalEvent>(trace.Events[1]).Value);
        Assert.True(Assert.IsType<ConnectivityEvent>(trace.Events[3]).Blackhole);
        Assert.Equal(0.5, Assert.IsType<FaultEvent>(trace.Events[4]).Rate);
        Assert.Equal(TimeSpan.FromSeconds(7), trace.Duration);
    }

    [Theory]
    [InlineData("""{"t": 1, "type": "utterance"}""", "\"text\" must be a non-empty string")]
    [InlineData("""{"t": -1, "type": "signal", "path": "Vehicle.Speed", "value": 1}""", "\"t\" must be seconds")]
    [InlineData("""{"t": 1, "type": "teleport"}""", "unknown event type 'teleport'")]
    [InlineData("""{"t": 1, "type": "fault", "kind": "cloud_failing", "rate": 3, "duration_s": 1}""", "\"rate\" must be within 0..1")]
    [InlineData("""{"t": 1, "type": "utterance", "text": "hi", "seat": "roof"}""", "\"seat\" must be")]
    [InlineData("""{"t": 1, "type": "clock", "time": "yesterday"}""", "ISO 8601")]
    [InlineData("not json", "not JSON")]
    public void A_bad_line_stops_the_read_naming_file_and_line(string line, string message)
    {
        var error = Assert.Throws<TraceFormatException>(() => TraceReader.Read(new StringReader($"{{\"t\": 0, \"type\": \"signal\", \"path\": \"Vehicle.Speed\", \"value\": 1}}\n\n{line}\n"), "drive.jsonl"));
        Assert.StartsWith("drive.jsonl:3: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.LineNumber);
    }

    [Fact]
    public void Lenient_mode_skips_and_counts_bad_lines()
    {
        var trace = TraceReader.Read(new StringReader("""
            {"t": 0, "type": "signal", "path": "Vehicle.Speed", "value": 1}
            {"t": 1, "type": "nope"}
            {"t": 2, "type": "utterance", "text": "hello"}
            garbage
            """), "drive.jsonl", lenient: true);

        Assert.Equal(2, trace.Events.Count);
        Assert.Equal(2, trace.SkippedLines.Count);
        Assert.StartsWith("drive.jsonl:4:", trace.SkippedLines[1], StringComparison.Ordinal);
    }
}

public sealed class DbcTests
{
    [Fact]
    public void Motorola_intel_signed_and_scaled_signals_decode()
    {
        // Motorola, start bit 47 (MSB of byte 5), 16 bits: bytes 5..6 big-endian.
        var speed = new DbcSignal("SPEED", 47, 16, LittleEndian: false, IsSigned: false, 0.01, 0, "km/h", false, null);
        Assert.Equal(29.38, speed.Decode(Convert.FromHexString("000000001D0B7A5E"))!.Value, 6);
        // Intel, start bit 8 (LSB of byte 1), 12 bits, signed: 0xF38 -> -200.
        var intel = new DbcSignal("X", 8, 12, LittleEndian: true, IsSigned: true, 0.5, 10, "", false, null);
        Assert.Equal((-200 * 0.5) + 10, intel.Decode([0x00, 0x38, 0x0F])!.Value, 6);
        // Motorola across a byte boundary from a mid-byte start: start bit 3, 6 bits -> bits 3..0 of byte 0, then 7..6 of byte 1.
        var across = new DbcSignal("Y", 3, 6, LittleEndian: false, IsSigned: false, 1, 0, "", false, null);
        Assert.Equal(0b1011_01, across.Raw([0b0000_1011, 0b0100_0000]));
        Assert.Null(speed.Decode([0x00, 0x01]));
    }

    [Fact]
    public void A_dbc_file_with_multiplexing_is_parsed_and_only_the_active_branch_decodes()
    {
        var dbc = DbcFile.Parse(
            [
                "VERSION \"\"",
                "BO_ 2147484672 MUXED: 8 XXX",
                " SG_ MODE M : 0|8@1+ (1,0) [0|255] \"\" XXX",
                " SG_ TEMP m1 : 8|8@1- (1,-40) [0|255] \"degC\" XXX",
                " SG_ PRESSURE m2 : 8|16@1+ (0.1,0) [0|1000] \"kPa\" XXX",
                "",
            ],
            "mux.dbc");

        var message = Assert.Single(dbc.Messages);
        Assert.True(message.Extended);
        Assert.Equal(0x400u, message.Id);
        var decoded = message.Decode([0x01, 0xFE, 0x00]).ToDictionary(d => d.Signal.Name, d => d.Value);
        Assert.Equal(new Dictionary<string, double> { ["MODE"] = 1, ["TEMP"] = -42 }, decoded);
        decoded = message.Decode([0x02, 0x10, 0x27]).ToDictionary(d => d.Signal.Name, d => d.Value);
        Assert.Equal(1000.0, decoded["PRESSURE"], 6);
        Assert.False(decoded.ContainsKey("TEMP"));

        var error = Assert.Throws<FormatException>(() => DbcFile.Parse(["BO_ 12 X: 8 XXX", " SG_ broken"], "bad.dbc"));
        Assert.StartsWith("bad.dbc:2:", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The importers on the real comma2k19 Toyota RAV4 drive (Data/comma2k19-rav4, MIT).</summary>
public sealed class RealDriveTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "Data", "comma2k19-rav4");

    [Fact]
    public void Speed_decoded_from_the_candump_log_matches_the_ground_truth_within_2_kmh_for_99_percent()
    {
        var dbc = DbcFile.Load(Path.Combine(Data, "toyota_rav4_2017_pt_generated.dbc"));
        var mapping = new SignalMapping { Buses = ["can0"], MinIntervalMs = 0, Signals = [new MappedSignal { Message = "SPEED", Signal = "SPEED", Path = "Vehicle.Speed" }] };
        var log = Path.Combine(Data, "candump.log");
        var first = CandumpImporter.ParseLine(File.ReadLines(log).First(), log, 1).Seconds;
        var decoded = CandumpImporter.Decode(log, dbc, mapping).ToList();

        var truth = File.ReadLines(Path.Combine(Data, "speed.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(c => (T: double.Parse(c[0], CultureInfo.InvariantCulture), Kmh: double.Parse(c[2], CultureInfo.InvariantCulture)))
            .ToArray();
        var times = truth.Select(t => t.T).ToArray();
        var compared = 0;
        var within = 0;
        foreach (var (at, _, value) in decoded)
        {
            var t = first + at.TotalSeconds;
            var i = Array.BinarySearch(times, t);
            i = i < 0 ? ~i : i;
            if (i == 0 || i >= times.Length)
            {
                continue;
            }

            // Linear interpolation of the 100 Hz ground truth at the frame's time.
            var (t0, v0) = truth[i - 1];
            var (t1, v1) = truth[i];
            var expected = v0 + ((v1 - v0) * (t - t0) / (t1 - t0));
            compared++;
            within += Math.Abs(value - expected) <= 2 ? 1 : 0;
        }

        Assert.True(compared > 2000, $"only {compared} samples compared");
        Assert.True(within >= 0.99 * compared, $"{within} of {compared} within 2 km/h");
    }

    [Fact]
    public void The_csv_importer_reads_a_signal_log_and_names_a_bad_row()
    {
        var mapping = new SignalMapping { MinIntervalMs = 1000, Signals = [new MappedSignal { Signal = "speed_kmh", Path = "Vehicle.Speed", Decimals = 1 }] };
        var samples = CsvImporter.Decode(Path.Combine(Data, "speed.csv"), "t_boot_s", mapping).ToList();
        Assert.InRange(samples.Count, 55, 62);
        Assert.Equal(TimeSpan.Zero, samples[0].At);
        Assert.InRange(samples.Max(s => s.Value), 60, 80);

        var bad = Path.GetTempFileName();
        try
        {
            File.WriteAllText(bad, "time,speed_kmh\n0,10\n1,fast\n");
            var error = Assert.Throws<FormatException>(() => CsvImporter.Decode(bad, "time", mapping).ToList());
            Assert.Contains(":3:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }
}
