using Vehicle.Sim.Import;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Tests;

/// <summary>Bad recordings and traces: a clear <c>FILE:LINE: what is wrong</c>, never an unhandled exception.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("""{"t": 1, "type": "fault", "kind": "cpu_hog", "cores": 1, "duration_s": 1e300}""", "duration_s")]
    [InlineData("""{"t": 1e300, "type": "signal", "path": "Vehicle.Speed", "value": 1}""", "\"t\"")]
    [InlineData("""{"t": 1, "type": "fault", "kind": "cloud_slow", "latency_ms": 5, "duration_s": -1}""", "duration_s")]
    public void Trace_NumbersOutOfRange_LineNumberedErrorOrCountedSkipWhenLenient(string line, string named)
    {
        var trace = "{\"t\": 0, \"type\": \"signal\", \"path\": \"Vehicle.Speed\", \"value\": 1}\n" + line + "\n";

        var error = Assert.Throws<TraceFormatException>(() => TraceReader.Read(new StringReader(trace), "big.jsonl"));
        Assert.StartsWith("big.jsonl:2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);

        var lenient = TraceReader.Read(new StringReader(trace), "big.jsonl", lenient: true);
        Assert.Single(lenient.Events);
        Assert.Single(lenient.SkippedLines);
    }

    [Fact]
    public void Trace_OverlongLine_NamedByItsNumberAndTheNextLinesStillRead()
    {
        var trace = "{\"t\": 0, \"type\": \"signal\", \"path\": \"Vehicle.Speed\", \"value\": 1}\n"
            + "{\"t\": 1, \"type\": \"utterance\", \"text\": \"" + new string('a', 200_000) + "\"}\n"
            + "{\"t\": 2, \"type\": \"utterance\", \"text\": \"open my window\"}";

        var error = Assert.Throws<TraceFormatException>(() => TraceReader.Read(new StringReader(trace), "long.jsonl"));
        Assert.Equal("long.jsonl:2: line longer than 65536 characters", error.Message);
        var lenient = TraceReader.Read(new StringReader(trace), "long.jsonl", lenient: true);
        Assert.Equal(2, lenient.Events.Count);
        Assert.Equal(3, lenient.Events.OfType<UtteranceEvent>().Single().Line);
    }

    [Theory]
    [InlineData("(nan) can0 123#00", "timestamp")]
    [InlineData("(inf) can0 123#00", "not a candump")]
    [InlineData("(-5.0) can0 123#00", "timestamp")]
    [InlineData("(1.0) can0 123##G00", "CAN FD")]
    [InlineData("(1.0) can0 XYZ#00", "bad frame")]
    public void Candump_BadLines_FileAndLineNamed(string line, string named)
    {
        var error = Assert.Throws<FormatException>(() => CandumpImporter.ParseLine(line, "/logs/drive.log", 7));
        Assert.StartsWith("drive.log:7: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Candump_CanFdFrame_DataAfterTheFlagsNibble()
    {
        var (seconds, bus, id, extended, data) = CandumpImporter.ParseLine("(1533243848.5) can1 123##1AABBCCDDEEFF0011223344", "fd.log", 1);

        Assert.Equal((1533243848.5, "can1", 0x123u, false), (seconds, bus, id, extended));
        Assert.Equal(Convert.FromHexString("AABBCCDDEEFF0011223344"), data);
    }

    [Theory]
    [InlineData("BO_ 99999999999 Big: 8 ECU", "message id")]
    [InlineData("BO_ 100 M: 99999999999 ECU", "length")]
    [InlineData("BO_ 100 M: 8 ECU\n SG_ S : 99999999999|8@1+ (1,0) [0|1] \"\" ECU", "start bit")]
    [InlineData("BO_ 100 M: 8 ECU\n SG_ S : 0|99999999999@1+ (1,0) [0|1] \"\" ECU", "bit length")]
    [InlineData("BO_ 100 M: 8 ECU\n SG_ S : 600|8@1+ (1,0) [0|1] \"\" ECU", "do not fit")]
    [InlineData("BO_ 100 M: 8 ECU\n SG_ S : 0|8@1+ (1e999,0) [0|1] \"\" ECU", "factor")]
    public void Dbc_NumbersThatOverflow_FileAndLineNamed(string text, string named)
    {
        var error = Assert.Throws<FormatException>(() => DbcFile.Parse(text.Split('\n'), "car.dbc"));

        Assert.StartsWith("car.dbc:", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_NonFiniteTime_LineNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "t,speed\n0,1\nnan,2\n");
        try
        {
            var mapping = new SignalMapping { Signals = [new MappedSignal { Signal = "speed", Path = "Vehicle.Speed" }] };
            var error = Assert.Throws<FormatException>(() => CsvImporter.Decode(path, "t", mapping).ToList());
            Assert.StartsWith(Path.GetFileName(path) + ":3: ", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
