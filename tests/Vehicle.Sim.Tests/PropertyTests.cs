using System.Globalization;
using CsCheck;
using Vehicle.Sim.Import;
using Vehicle.Sim.Trace;
using Vehicle.Tests.Shared;

namespace Vehicle.Sim.Tests;

/// <summary>
/// Any input to the simulator's parsers (trace lines, candump lines, DBC files, and the frames a
/// DBC decodes): a result, or an error that names the file and the line; never anything else.
/// </summary>
public sealed class PropertyTests
{
    private static readonly Gen<string> Number = Gen.Frequency(
        (4, Gen.Int[-1000, 100_000].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("1e300", "-1e300", "1e999", "nan", "NaN", "Infinity", "-0", "4294967296", "99999999999999999999", "0x10", "", "1.5.2")));

    private static readonly Gen<string> TraceLine = Gen.Frequency(
        (1, Fuzz.Text(30)),
        (4, Gen.Select(Gen.OneOf("signal", "utterance", "audio", "connectivity", "fault", "clock", "bogus"), Number, Number, Fuzz.Text(8), Gen.Int[0, 3], (type, t, value, text, shape) => shape switch
        {
            0 => $$"""{"t": {{t}}, "type": "{{type}}", "path": "Vehicle.Speed", "value": {{value}}}""",
            1 => $$"""{"t": {{t}}, "type": "{{type}}", "text": {{Fuzz.JsonString(text)}}, "conversation": {{value}}}""",
            2 => $$"""{"t": {{t}}, "type": "{{type}}", "state": "{{text}}", "duration_s": {{value}}}""",
            _ => $$"""{"t": "{{t}}", "type": {{value}}}""",
        })));

    private static readonly Gen<string> CandumpLine = Gen.Frequency(
        (1, Fuzz.Text(30)),
        (4, Gen.Select(Number, Gen.OneOf("can0", "vcan1", "", "can0 extra"), Gen.OneOf("0B4", "1FFFFFFF", "7FF", "", "ZZZ", "123456789", "80000000"), Gen.OneOf("#", "##", "#R", "##1", "###"), Gen.Byte.Array[0, 70].Select(Convert.ToHexString), Gen.Bool,
            (ts, bus, id, separator, data, odd) => $"({ts}) {bus} {id}{separator}{(odd ? data + "F" : data)}")));

    private static readonly Gen<string> DbcLine = Gen.Frequency(
        (1, Fuzz.Text(20)),
        (3, Gen.Select(Number, Fuzz.Text(5), Number, (id, name, dlc) => $"BO_ {id} {name}: {dlc} Vector__XXX")),
        (6, Gen.Select(Number, Number, Gen.OneOf("0", "1"), Gen.OneOf("+", "-"), Number, Number, Gen.OneOf("", " M", " m3"), (start, length, order, sign, factor, offset, mux) =>
            $" SG_ Sig{mux} : {start}|{length}@{order}{sign} ({factor},{offset}) [0|0] \"km/h\" Vector__XXX")));

    [Fact]
    public void Trace_AnyLines_ReadOrAnErrorNamingTheLine() =>
        TraceLine.Array[1, 20].Sample(lines =>
        {
            var text = string.Join('\n', lines);
            void Read(bool lenient)
            {
                try
                {
                    TraceReader.Read(new StringReader(text), "fuzz.jsonl", lenient);
                }
                catch (TraceFormatException error)
                {
                    Assert.StartsWith($"fuzz.jsonl:{error.LineNumber}: ", error.Message, StringComparison.Ordinal);
                    Assert.True(error.LineNumber >= 1);
                }
            }

            Read(lenient: false);
            Read(lenient: true);
        }, iter: 3000);

    [Fact]
    public void Candump_AnyLine_AFrameOrAnErrorNamingTheLine() =>
        CandumpLine.Sample(line =>
        {
            try
            {
                var (seconds, _, id, _, data) = CandumpImporter.ParseLine(line, "fuzz.log", 7);
                Assert.True(double.IsFinite(seconds) && seconds >= 0, $"{seconds}");
                Assert.True(id <= 0x1FFFFFFF, $"{id:X}");
                Assert.InRange(data.Length, 0, 64);
            }
            catch (FormatException error)
            {
                Assert.StartsWith("fuzz.log:7: ", error.Message, StringComparison.Ordinal);
            }
        }, iter: 5000);

    [Fact]
    public void Dbc_AnyText_ParsedOrAnErrorNamingTheLine_AndAnyFrameDecodes() =>
        Gen.Select(DbcLine.Array[1, 12], Gen.Byte.Array[0, 64]).Sample((lines, frame) =>
        {
            DbcFile dbc;
            try
            {
                dbc = DbcFile.Parse(lines, "fuzz.dbc");
            }
            catch (FormatException error)
            {
                Assert.StartsWith("fuzz.dbc:", error.Message, StringComparison.Ordinal);
                return;
            }

            foreach (var signal in dbc.Messages.SelectMany(m => m.Signals))
            {
                if (signal.Decode(frame) is { } value)
                {
                    Assert.True(double.IsFinite(value), $"{signal.Name}: {value}");
                }
            }
        }, iter: 3000);
}
