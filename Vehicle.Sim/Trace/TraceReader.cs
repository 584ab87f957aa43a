using System.Globalization;
using System.Text.Json;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Sim.Trace;

/// <summary>A trace line that is not a valid event.</summary>
public sealed class TraceFormatException(string file, int line, string message)
    : Exception($"{file}:{line}: {message}")
{
    /// <summary>The trace file.</summary>
    public string File { get; } = file;

    /// <summary>1-based line number.</summary>
    public int LineNumber { get; } = line;
}

/// <summary>A parsed trace.</summary>
/// <param name="Events">The events, in time order (stable for equal times).</param>
/// <param name="SkippedLines">Bad lines skipped in lenient mode, with their errors.</param>
public sealed record DriveTrace(IReadOnlyList<TraceEvent> Events, IReadOnlyList<string> SkippedLines)
{
    /// <summary>When the last event happens.</summary>
    public TimeSpan Duration => Events.Count == 0 ? TimeSpan.Zero : Events[^1].At;
}

/// <summary>
/// Reads the JSONL trace format (<c>traces/trace.schema.json</c>): one JSON object per line with
/// <c>t</c> (seconds from the start) and <c>type</c>; blank lines and lines starting with <c>//</c>
/// are ignored. A bad line stops the read with its file and line number, or in lenient mode is
/// skipped and counted.
/// </summary>
public static class TraceReader
{
    /// <summary>The latest time and the longest duration a trace may name: 10 million seconds (about 115 days).</summary>
    public const double MaxSeconds = 1e7;

    /// <summary>Reads a trace file.</summary>
    /// <exception cref="TraceFormatException">A bad line (strict mode).</exception>
    public static DriveTrace Read(string path, bool lenient = false)
    {
        using var reader = new StreamReader(path);
        return Read(reader, Path.GetFileName(path), lenient);
    }

    /// <summary>Reads a trace from <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="TraceFormatException">A bad line (strict mode).</exception>
    public static DriveTrace Read(TextReader reader, string name, bool lenient = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var events = new List<TraceEvent>();
        var skipped = new List<string>();
        var number = 0;
        foreach (var line in BoundedLines.Read(reader))
        {
            number++;
            if (line is not null && (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith("//", StringComparison.Ordinal)))
            {
                continue;
            }

            try
            {
                events.Add(line is null ? throw new TraceFormatException(name, number, BoundedLines.TooLong) : Parse(line, number, name));
            }
            catch (TraceFormatException e) when (lenient)
            {
                skipped.Add(e.Message);
            }
        }

        // Stable: events at the same time keep their file order.
        return new DriveTrace([.. events.OrderBy(e => e.At)], skipped);
    }

    private static TraceEvent Parse(string line, int number, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(file, number, $"not JSON: {e.Message}");
        }
        catch (ArgumentException)
        {
            // An unpaired surrogate: the line is not valid Unicode text, so not JSON either.
            throw new TraceFormatException(file, number, "not valid text (an unpaired surrogate)");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TraceFormatException(file, number, "an event must be a JSON object");
            }

            var fields = new Fields(root, file, number);
            var seconds = fields.Number("t");
            if (seconds is < 0 or > MaxSeconds || double.IsNaN(seconds))
            {
                throw new TraceFormatException(file, number, $"\"t\" must be seconds from the start (0 to {MaxSeconds:0}), not {seconds}");
            }

            var at = TimeSpan.FromSeconds(seconds);
            var type = fields.Text("type");
            return type switch
            {
                "signal" => new SignalEvent(at, number, fields.Text("path"), fields.Scalar("value")),
                "utterance" => new UtteranceEvent(at, number, fields.Text("text"), fields.Seat(), fields.Expect("intent"), fields.Expect("outcome"), fields.OptionalText("conversation")),
                "audio" => new AudioEvent(at, number, fields.Text("path"), fields.Seat()),
                "connectivity" => Connectivity(at, number, fields),
                "fault" => Fault(at, number, fields),
                "clock" => new ClockEvent(at, number, fields.Time("time")),
                _ => throw new TraceFormatException(file, number, $"unknown event type '{type}' (signal, utterance, audio, connectivity, fault, clock)"),
            };
        }
    }

    private static ConnectivityEvent Connectivity(TimeSpan at, int number, Fields fields)
    {
        var loss = fields.OptionalNumber("loss");
        var latency = fields.OptionalNumber("latency_ms");
        return loss is < 0 or > 1 ? throw fields.Error($"\"loss\" must be within 0..1, not {loss}")
            : latency < 0 ? throw fields.Error($"\"latency_ms\" must be >= 0, not {latency}")
            : new ConnectivityEvent(at, number, fields.Boolean("online"), fields.OptionalBoolean("blackhole"), latency, loss);
    }

    private static FaultEvent Fault(TimeSpan at, int number, Fields fields)
    {
        var kind = fields.Text("kind") switch
        {
            "broker_restart" => FaultKind.BrokerRestart,
            "cloud_slow" => FaultKind.CloudSlow,
            "cloud_failing" => FaultKind.CloudFailing,
            "cpu_hog" => FaultKind.CpuHog,
            var other => throw fields.Error($"unknown fault kind '{other}' (broker_restart, cloud_slow, cloud_failing, cpu_hog)"),
        };
        var seconds = kind == FaultKind.BrokerRestart ? fields.OptionalNumber("duration_s") : fields.Number("duration_s");
        if (seconds is < 0 or > MaxSeconds || double.IsNaN(seconds))
        {
            throw fields.Error($"\"duration_s\" must be 0 to {MaxSeconds:0} seconds, not {seconds}");
        }

        var duration = TimeSpan.FromSeconds(seconds);
        var rate = kind == FaultKind.CloudFailing ? fields.Number("rate") : 0;
        if (rate is < 0 or > 1)
        {
            throw fields.Error($"\"rate\" must be within 0..1, not {rate}");
        }

        var cores = kind == FaultKind.CpuHog ? (int)fields.Number("cores") : 0;
        if (kind == FaultKind.CpuHog && cores is < 1 or > 64)
        {
            throw fields.Error($"\"cores\" must be 1..64, not {cores}");
        }

        return new FaultEvent(at, number, kind, duration, kind == FaultKind.CloudSlow ? fields.Number("latency_ms") : 0, rate, cores);
    }

    /// <summary>Typed access to one event's fields, with errors that name the line.</summary>
    private readonly struct Fields(JsonElement root, string file, int line)
    {
        public TraceFormatException Error(string message) => new(file, line, message);

        public string Text(string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw Error($"\"{name}\" must be a non-empty string");

        public double Number(string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetDouble()
                : throw Error($"\"{name}\" must be a number");

        public double OptionalNumber(string name) => root.TryGetProperty(name, out _) ? Number(name) : 0;

        public string? OptionalText(string name) => root.TryGetProperty(name, out _) ? Text(name) : null;

        public bool Boolean(string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? value.GetBoolean()
                : throw Error($"\"{name}\" must be true or false");

        public bool OptionalBoolean(string name) => root.TryGetProperty(name, out _) && Boolean(name);

        public string Scalar(string name)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                throw Error($"\"{name}\" is missing");
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw Error($"\"{name}\" must be a string, number or boolean"),
            };
        }

        public Seat Seat()
        {
            if (!root.TryGetProperty("seat", out var value))
            {
                return Runtime.Nlu.Seat.Driver;
            }

            return value.ValueKind == JsonValueKind.String && SeatNames.TryParse(value.GetString(), out var seat)
                ? seat
                : throw Error("\"seat\" must be driver, passenger, rear_left or rear_right");
        }

        public string? Expect(string name)
        {
            if (!root.TryGetProperty("expect", out var expect))
            {
                return null;
            }

            if (expect.ValueKind != JsonValueKind.Object)
            {
                throw Error("\"expect\" must be an object with \"intent\" and/or \"outcome\"");
            }

            return expect.TryGetProperty(name, out var value)
                ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error($"\"expect.{name}\" must be a string")
                : null;
        }

        public DateTimeOffset Time(string name) =>
            DateTimeOffset.TryParse(Text(name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
                ? time
                : throw Error($"\"{name}\" must be an ISO 8601 date and time, e.g. 2026-11-29T08:05:00+01:00");
    }
}
