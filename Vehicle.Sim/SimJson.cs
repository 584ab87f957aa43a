using System.Text.Json.Serialization;

namespace Vehicle.Sim;

/// <summary>A trace signal line as the importers write it.</summary>
internal sealed record SignalLine(
    [property: JsonPropertyName("t")] double T,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("value")] double Value);

/// <summary>Source-generated JSON for the simulator's files.</summary>
[JsonSerializable(typeof(SignalLine))]
internal sealed partial class SimJson : JsonSerializerContext;
