using System.Text.Json.Serialization;
using Vehicle.Bus;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime;

/// <summary>
/// The YAML files the car reads (intent catalog, signal definitions), read by generated code through
/// <see cref="YamlJson"/>: snake_case keys, unknown keys are errors, a text member takes any scalar.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    Converters = [typeof(YamlJson.ScalarText)])]
[JsonSerializable(typeof(CatalogLoader.CatalogDocument))]
[JsonSerializable(typeof(SignalStore.SignalsDocument))]
internal sealed partial class RuntimeYaml : JsonSerializerContext;
