using System.Globalization;
using System.Text.Json;
using YamlDotNet.Serialization;
using Vehicle.Sim.Trace;
using YamlDotNet.Serialization.NamingConventions;

namespace Vehicle.Sim.Import;

/// <summary>Which DBC signals become which VSS signals (a small YAML file).</summary>
public sealed class SignalMapping
{
    /// <summary>CAN interfaces to read (e.g. can0); empty: all.</summary>
    public List<string> Buses { get; set; } = [];

    /// <summary>At most one event per signal per this many milliseconds (the rest are dropped; changes below it are not lost, they are sampled).</summary>
    public double MinIntervalMs { get; set; } = 100;

    /// <summary>The mapped signals.</summary>
    public List<MappedSignal> Signals { get; set; } = [];

    /// <summary>Loads a mapping file.</summary>
    /// <exception cref="InvalidDataException">Not a valid mapping.</exception>
    public static SignalMapping Load(string path)
    {
        SignalMapping mapping;
        try
        {
            mapping = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build()
                .Deserialize<SignalMapping>(File.ReadAllText(path)) ?? new SignalMapping();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{path}: line {e.Start.Line}: {e.Message}", e);
        }

        if (mapping.Signals.Count == 0 || mapping.Signals.Any(s => string.IsNullOrEmpty(s.Signal) || string.IsNullOrEmpty(s.Path)))
        {
            throw new InvalidDataException($"{path}: 'signals' needs entries with 'signal' (and 'message' for DBC), 'path' and optionally 'scale', 'offset', 'decimals'");
        }

        return mapping;
    }
}

/// <summary>One mapped signal: <c>path = value × scale + offset</c>, rounded to <see cref="Decimals"/>.</summary>
public sealed class MappedSignal
{
    /// <summary>DBC message name (candump) or unused (CSV).</summary>
    public string? Message { get; set; }

    /// <summary>DBC signal name, or CSV column.</summary>
    public string Signal { get; set; } = string.Empty;

    /// <summary>VSS path.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Unit conversion factor.</summary>
    public double Scale { get; set; } = 1;

    /// <summary>Unit conversion offset.</summary>
    public double Offset { get; set; }

    /// <summary>Decimals kept.</summary>
    public int Decimals { get; set; } = 2;
}

/// <summary>
/// Turns a Linux can-utils <c>candump -l</c> log (<c>(seconds) canN ID#HEX</c>) into trace signal
/// events, decoding frames with a DBC file and keeping the signals a mapping names.
/// </summary>
public static class CandumpImporter
{
    /// <summary>Decoded samples, time from the first frame: (time, VSS path, value).</summary>
    /// <exception cref="FormatException">A malformed log line (file and line number), or a mapped signal missing from the DBC.</exception>
    public static IEnumerable<(TimeSpan At, string Path, double Value)> Decode(string logPath, DbcFile dbc, SignalMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(dbc);
        ArgumentNullException.ThrowIfNull(mapping);
        var wanted = new Dictionary<(uint, bool), List<(DbcSignal Signal, MappedSignal Map)>>();
        foreach (var map in mapping.Signals)
        {
            var message = dbc.Find(map.Message ?? string.Empty) ?? throw new FormatException($"message '{map.Message}' is not in the DBC");
            var signal = message.Signals.FirstOrDefault(s => s.Name == map.Signal) ?? throw new FormatException($"signal '{map.Signal}' is not in message '{map.Message}'");
            if (!wanted.TryGetValue((message.Id, message.Extended), out var list))
            {
                wanted[(message.Id, message.Extended)] = list = [];
            }

            list.Add((signal, map));
        }

        double? first = null;
        var last = new Dictionary<string, double>();
        var number = 0;
        foreach (var line in BoundedLines.ReadFile(logPath))
        {
            number++;
            if (line is null)
            {
                throw new FormatException($"{Path.GetFileName(logPath)}:{number}: {BoundedLines.TooLong}");
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var (seconds, bus, id, extended, data) = ParseLine(line, logPath, number);
            first ??= seconds;
            if ((mapping.Buses.Count > 0 && !mapping.Buses.Contains(bus)) || !wanted.TryGetValue((id, extended), out var signals))
            {
                continue;
            }

            foreach (var (signal, map) in signals)
            {
                if (last.TryGetValue(map.Path, out var previous) && (seconds - previous) * 1000 < mapping.MinIntervalMs)
                {
                    continue;
                }

                if (signal.Decode(data) is { } value)
                {
                    last[map.Path] = seconds;
                    yield return (TimeSpan.FromSeconds(seconds - first.Value), map.Path, Math.Round((value * map.Scale) + map.Offset, map.Decimals));
                }
            }
        }
    }

    /// <summary>Writes decoded samples as trace signal events (JSONL) to <paramref name="output"/>.</summary>
    public static int WriteTrace(IEnumerable<(TimeSpan At, string Path, double Value)> samples, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(output);
        var count = 0;
        foreach (var (at, path, value) in samples)
        {
            output.WriteLine(JsonSerializer.Serialize(new SignalLine(Math.Round(at.TotalSeconds, 3), "signal", path, value), SimJson.Default.SignalLine));
            count++;
        }

        return count;
    }

    internal static (double Seconds, string Bus, uint Id, bool Extended, byte[] Data) ParseLine(string line, string file, int number)
    {
        // (1533243848.584930) can0 0B4#000000001D0B7A5E
        var close = line.IndexOf(')', StringComparison.Ordinal);
        var parts = close > 0 ? line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (!line.StartsWith('(') || parts.Length < 2 || !double.TryParse(line.AsSpan(1, close - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new FormatException($"{Path.GetFileName(file)}:{number}: not a candump -l line: {line}");
        }

        if (!double.IsFinite(seconds) || seconds is < 0 or > 1e12)
        {
            throw new FormatException($"{Path.GetFileName(file)}:{number}: the timestamp must be seconds (a finite number >= 0), not '{line[1..close]}'");
        }

        var frame = parts[1];
        var hash = frame.IndexOf('#', StringComparison.Ordinal);
        if (hash <= 0 || !uint.TryParse(frame.AsSpan(0, hash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id))
        {
            throw new FormatException($"{Path.GetFileName(file)}:{number}: bad frame '{frame}'");
        }

        // Three hex digits: an 11-bit standard id; eight: a 29-bit extended one.
        if (hash > 3 ? id > 0x1FFFFFFF : id > 0x7FF)
        {
            throw new FormatException($"{Path.GetFileName(file)}:{number}: CAN id {frame[..hash]} is out of range ({(hash > 3 ? "extended: at most 1FFFFFFF" : "standard: at most 7FF")})");
        }

        var hex = frame[(hash + 1)..];
        if (hex.StartsWith('R'))
        {
            return (seconds, parts[0], id, hash > 3, []);
        }

        if (hex.StartsWith('#'))
        {
            // CAN FD: ID##<flags nibble><data>, up to 64 bytes.
            if (hex.Length < 2 || !Uri.IsHexDigit(hex[1]))
            {
                throw new FormatException($"{Path.GetFileName(file)}:{number}: bad CAN FD frame '{frame}' (ID##<flags><data>)");
            }

            hex = hex[2..];
        }

        byte[] data;
        try
        {
            data = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FormatException($"{Path.GetFileName(file)}:{number}: bad frame data '{hex}'");
        }

        return data.Length <= 64
            ? (seconds, parts[0], id, hash > 3, data)
            : throw new FormatException($"{Path.GetFileName(file)}:{number}: {data.Length} data bytes (a CAN FD frame has at most 64)");
    }
}
