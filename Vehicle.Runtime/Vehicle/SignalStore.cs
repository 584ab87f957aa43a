using System.Collections.Frozen;
using System.Threading.Channels;
using Vehicle.Bus;
using YamlDotNet.Core;

namespace Vehicle.Runtime.Vehicle;

/// <summary>
/// The in-memory vehicle state, keyed by VSS path, with typed values, ranges and change
/// subscriptions. Reads and writes are lock-free (each value is an immutable sample swapped
/// atomically), so the critical lane never waits on a reader, the simulator or the bus.
/// Subscribers get changes through their own bounded channel (oldest dropped when they lag), so a
/// slow subscriber cannot slow a writer down either.
/// </summary>
public sealed class SignalStore
{
    /// <summary>The car's position, degrees north (VSS <c>Vehicle.CurrentLocation</c>).</summary>
    public const string LatitudePath = "Vehicle.CurrentLocation.Latitude";

    /// <summary>The car's position, degrees east.</summary>
    public const string LongitudePath = "Vehicle.CurrentLocation.Longitude";

    private readonly FrozenDictionary<string, Entry> _entries;
    private readonly TimeProvider _time;
    private readonly Lock _subscribeLock = new();
    private Subscriber[] _subscribers = [];

    /// <summary>Creates a store holding <paramref name="definitions"/> at their initial values.</summary>
    public SignalStore(IEnumerable<SignalDefinition> definitions, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _entries = definitions.ToFrozenDictionary(d => d.Path, d => new Entry(d), StringComparer.Ordinal);
    }

    /// <summary>Every signal, in path order.</summary>
    public IEnumerable<SignalDefinition> Definitions => _entries.Values.Select(e => e.Definition).OrderBy(d => d.Path, StringComparer.Ordinal);

    /// <summary>Loads the signal definitions file (see <c>Vehicle/signals.yaml</c>).</summary>
    public static IReadOnlyList<SignalDefinition> LoadDefinitions(string path)
    {
        SignalsDocument document;
        try
        {
            document = YamlJson.Deserialize(File.ReadAllText(path), RuntimeYaml.Default.SignalsDocument) ?? new SignalsDocument();
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{path}: line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}", e);
        }

        var definitions = new List<SignalDefinition>();
        foreach (var (signal, raw) in document.Signals ?? [])
        {
            if (!signal.StartsWith("Vehicle.", StringComparison.Ordinal) || ParseType(raw.Type) is not { } type)
            {
                throw new InvalidDataException($"{path}: signal '{signal}' needs a Vehicle.* path and a type (boolean, float, int, string).");
            }

            if (!SignalValue.TryParse(raw.Initial ?? string.Empty, type, out var initial))
            {
                throw new InvalidDataException($"{path}: signal '{signal}' has an initial value '{raw.Initial}' that is not a {type}.");
            }

            var definition = new SignalDefinition(signal, type, raw.Min, raw.Max, raw.Unit, raw.Allowed ?? [], initial);
            var (_, error) = definition.Validate(initial);
            if (error is not null)
            {
                throw new InvalidDataException($"{path}: initial value: {error}.");
            }

            definitions.Add(definition);
        }

        return definitions;
    }

    private static SignalType? ParseType(string? vss) => vss?.ToLowerInvariant() switch
    {
        "boolean" => SignalType.Boolean,
        "float" or "double" => SignalType.Real,
        "int" or "int8" or "int16" or "int32" or "int64" or "uint8" or "uint16" or "uint32" or "uint64" => SignalType.Whole,
        "string" => SignalType.Text,
        _ => null,
    };

    /// <summary>The definition of <paramref name="path"/>, or null when the store does not hold it.</summary>
    public SignalDefinition? Find(string path) => _entries.TryGetValue(path, out var entry) ? entry.Definition : null;

    /// <summary>The car's position, or null when the store has no position signals.</summary>
    public (double Latitude, double Longitude)? Position =>
        Find(LatitudePath) is not null && Find(LongitudePath) is not null && Get(LatitudePath).Number is { } latitude && Get(LongitudePath).Number is { } longitude
            ? (latitude, longitude)
            : null;

    /// <summary>The current value of <paramref name="path"/>.</summary>
    /// <exception cref="KeyNotFoundException">The store does not hold the signal.</exception>
    public SignalValue Get(string path) =>
        _entries.TryGetValue(path, out var entry) ? (SignalValue)Volatile.Read(ref entry.Current) : throw new KeyNotFoundException($"Unknown signal '{path}'.");

    /// <summary>
    /// Writes a value after checking type, range and enumeration; returns null on success or the
    /// reason it was refused (the value is then unchanged).
    /// </summary>
    public string? Set(string path, SignalValue value, string source)
    {
        if (!_entries.TryGetValue(path, out var entry))
        {
            return $"unknown signal '{path}'";
        }

        var (normalized, error) = entry.Definition.Validate(value);
        if (error is not null)
        {
            return error;
        }

        var previous = (SignalValue)Interlocked.Exchange(ref entry.Current, normalized);
        if (!previous.Equals(normalized))
        {
            Publish(new SignalChange(path, previous, normalized, source, _time.GetUtcNow()));
        }

        return null;
    }

    /// <summary>
    /// Changes of signals whose path starts with <paramref name="prefix"/> (all when empty), from now
    /// on. When the reader lags more than <paramref name="capacity"/> changes behind, the oldest are
    /// dropped. Complete the subscription by disposing the returned handle.
    /// </summary>
    public SignalSubscription Subscribe(string prefix = "", int capacity = 256)
    {
        var channel = Channel.CreateBounded<SignalChange>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        var subscriber = new Subscriber(prefix, channel);
        lock (_subscribeLock)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new SignalSubscription(channel.Reader, () =>
        {
            lock (_subscribeLock)
            {
                _subscribers = [.. _subscribers.Where(s => s != subscriber)];
            }

            channel.Writer.TryComplete();
        });
    }

    private void Publish(SignalChange change)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            if (change.Path.StartsWith(subscriber.Prefix, StringComparison.Ordinal))
            {
                subscriber.Channel.Writer.TryWrite(change);
            }
        }
    }

    private sealed class Entry(SignalDefinition definition)
    {
        public readonly SignalDefinition Definition = definition;

        // Boxed on purpose: a reference swap is atomic, a multi-field struct write is not.
        public object Current = definition.Initial;
    }

    private sealed record Subscriber(string Prefix, Channel<SignalChange> Channel);

    internal sealed class SignalsDocument
    {
        public Dictionary<string, SignalDocument>? Signals { get; set; }
    }

    internal sealed class SignalDocument
    {
        public string? Type { get; set; }

        public double? Min { get; set; }

        public double? Max { get; set; }

        public string? Unit { get; set; }

        public List<string>? Allowed { get; set; }

        public string? Initial { get; set; }
    }
}
