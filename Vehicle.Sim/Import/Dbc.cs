using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Import;

/// <summary>One signal of a DBC message.</summary>
/// <param name="Name">Signal name.</param>
/// <param name="StartBit">DBC start bit: the LSB for Intel (little-endian), the MSB in DBC's sawtooth numbering for Motorola.</param>
/// <param name="Length">Bits.</param>
/// <param name="LittleEndian">Intel (<c>@1</c>) or Motorola (<c>@0</c>).</param>
/// <param name="IsSigned">Two's complement (<c>-</c>).</param>
/// <param name="Factor">Scale.</param>
/// <param name="Offset">Offset: physical = raw × factor + offset.</param>
/// <param name="Unit">Unit text.</param>
/// <param name="IsMultiplexor">The message's multiplexor switch (<c>M</c>).</param>
/// <param name="MultiplexValue">Present only when the multiplexor has this value (<c>m&lt;k&gt;</c>).</param>
public sealed record DbcSignal(string Name, int StartBit, int Length, bool LittleEndian, bool IsSigned, double Factor, double Offset, string Unit, bool IsMultiplexor, int? MultiplexValue)
{
    /// <summary>The raw value of this signal in <paramref name="data"/>, or null when the frame is too short.</summary>
    public long? Raw(ReadOnlySpan<byte> data)
    {
        ulong value = 0;
        var position = StartBit;
        for (var i = 0; i < Length; i++)
        {
            var index = position / 8;
            if (index >= data.Length)
            {
                return null;
            }

            var bit = (ulong)((data[index] >> (position % 8)) & 1);
            if (LittleEndian)
            {
                value |= bit << i;
                position++;
            }
            else
            {
                // Motorola: from the MSB down; within a byte towards bit 0, then to bit 7 of the next byte.
                value = (value << 1) | bit;
                position = position % 8 == 0 ? position + 15 : position - 1;
            }
        }

        if (IsSigned && Length < 64 && (value & (1UL << (Length - 1))) != 0)
        {
            value |= ulong.MaxValue << Length;
        }

        return (long)value;
    }

    /// <summary>The physical value (raw × factor + offset), or null when the frame is too short.</summary>
    public double? Decode(ReadOnlySpan<byte> data) => Raw(data) is { } raw ? (raw * Factor) + Offset : null;
}

/// <summary>One DBC message.</summary>
/// <param name="Id">CAN id (without the extended-frame flag).</param>
/// <param name="Extended">29-bit id.</param>
/// <param name="Name">Message name.</param>
/// <param name="Length">DLC.</param>
/// <param name="Signals">Its signals.</param>
public sealed record DbcMessage(uint Id, bool Extended, string Name, int Length, IReadOnlyList<DbcSignal> Signals)
{
    /// <summary>Decodes every signal present in this frame (multiplexed ones only under their multiplexor value).</summary>
    public IEnumerable<(DbcSignal Signal, double Value)> Decode(byte[] data)
    {
        var multiplexor = Signals.FirstOrDefault(s => s.IsMultiplexor)?.Raw(data);
        foreach (var signal in Signals)
        {
            if (signal.MultiplexValue is { } wanted && multiplexor != wanted)
            {
                continue;
            }

            if (signal.Decode(data) is { } value)
            {
                yield return (signal, value);
            }
        }
    }
}

/// <summary>A DBC file's messages and signals (<c>BO_</c> / <c>SG_</c>; everything else is ignored).</summary>
public sealed partial class DbcFile
{
    private readonly Dictionary<(uint, bool), DbcMessage> _messages;

    private DbcFile(Dictionary<(uint, bool), DbcMessage> messages) => _messages = messages;

    /// <summary>All messages.</summary>
    public IEnumerable<DbcMessage> Messages => _messages.Values;

    /// <summary>Parses a DBC file.</summary>
    /// <exception cref="FormatException">A malformed <c>BO_</c> or <c>SG_</c> line (file and line number in the message).</exception>
    public static DbcFile Load(string path) =>
        Parse(BoundedLines.ReadFile(path).Select((line, i) => line ?? throw new FormatException($"{Path.GetFileName(path)}:{i + 1}: {BoundedLines.TooLong}")), Path.GetFileName(path));

    /// <summary>Parses DBC text.</summary>
    /// <exception cref="FormatException">A malformed <c>BO_</c> or <c>SG_</c> line.</exception>
    public static DbcFile Parse(IEnumerable<string> lines, string name)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var messages = new Dictionary<(uint, bool), DbcMessage>();
        (uint Id, bool Extended, string Name, int Length, List<DbcSignal> Signals)? current = null;
        var number = 0;
        void Close()
        {
            if (current is { } m)
            {
                messages[(m.Id, m.Extended)] = new DbcMessage(m.Id, m.Extended, m.Name, m.Length, m.Signals);
            }

            current = null;
        }

        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.StartsWith("BO_ ", StringComparison.Ordinal))
            {
                Close();
                var match = MessageLine().Match(line);
                if (!match.Success)
                {
                    throw new FormatException($"{name}:{number}: malformed message line: {line}");
                }

                var id = Whole<uint>(match.Groups["id"].Value, "message id", name, number);
                current = (id & 0x1FFFFFFF, (id & 0x80000000) != 0, match.Groups["name"].Value, Whole<int>(match.Groups["dlc"].Value, "length", name, number), []);
            }
            else if (line.StartsWith("SG_ ", StringComparison.Ordinal))
            {
                var match = SignalLine().Match(line);
                if (!match.Success || current is null)
                {
                    throw new FormatException($"{name}:{number}: malformed signal line (or one outside a message): {line}");
                }

                var mux = match.Groups["mux"].Value;
                var start = Whole<int>(match.Groups["start"].Value, "start bit", name, number);
                var length = Whole<int>(match.Groups["length"].Value, "bit length", name, number);
                if (start > 511 || length is < 1 or > 64)
                {
                    // CAN FD frames have 64 bytes (bits 0-511); a raw value is at most 64 bits.
                    throw new FormatException($"{name}:{number}: start bit {start} and length {length} do not fit a frame (start 0-511, length 1-64)");
                }

                current.Value.Signals.Add(new DbcSignal(
                    match.Groups["name"].Value,
                    start,
                    length,
                    match.Groups["order"].Value == "1",
                    match.Groups["sign"].Value == "-",
                    Real(match.Groups["factor"].Value, "factor", name, number),
                    Real(match.Groups["offset"].Value, "offset", name, number),
                    match.Groups["unit"].Value,
                    mux == "M",
                    mux.StartsWith('m') ? Whole<int>(mux[1..].TrimEnd('M'), "multiplexer value", name, number) : null));
            }
            else if (line.Length == 0)
            {
                Close();
            }
        }

        Close();
        return new DbcFile(messages);
    }

    private static T Whole<T>(string text, string what, string name, int number)
        where T : IBinaryInteger<T> =>
        T.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{name}:{number}: the {what} '{text}' is out of range");

    private static double Real(string text, string what, string name, int number) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{name}:{number}: the {what} '{text}' is not a finite number");

    /// <summary>The message for a frame id, or null.</summary>
    public DbcMessage? Find(uint id, bool extended) => _messages.GetValueOrDefault((id, extended));

    /// <summary>The message called <paramref name="name"/>, or null.</summary>
    public DbcMessage? Find(string name) => _messages.Values.FirstOrDefault(m => m.Name == name);

    [GeneratedRegex(@"^BO_\s+(?<id>\d+)\s+(?<name>\w+)\s*:\s*(?<dlc>\d+)")]
    private static partial Regex MessageLine();

    [GeneratedRegex(@"^SG_\s+(?<name>\w+)\s*(?<mux>M|m\d+M?)?\s*:\s*(?<start>\d+)\|(?<length>\d+)@(?<order>[01])(?<sign>[+-])\s*\(\s*(?<factor>[-+0-9.eE]+)\s*,\s*(?<offset>[-+0-9.eE]+)\s*\)\s*\[[^\]]*\]\s*""(?<unit>[^""]*)""")]
    private static partial Regex SignalLine();
}
