using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Vehicle.Bus;

/// <summary>
/// Reads a YAML file (the intent catalog, the signal definitions, the cloud's knowledge file) into its
/// document type through System.Text.Json's generated code: YamlDotNet parses, the document is written
/// as JSON and read back by a source-generated <see cref="JsonSerializerContext"/>. No reflection, so a
/// Native AOT publish reads the files exactly as the JIT build does.
/// </summary>
/// <remarks>
/// Scalars follow YAML's core schema: plain <c>null</c>, <c>~</c> or nothing is null, plain
/// <c>true</c>/<c>false</c> (or <c>True</c>, <c>FALSE</c>...) a boolean, a plain number a number;
/// anything quoted is text. A text member takes any scalar as written (<see cref="ScalarText"/>).
/// Anchors and aliases are not supported.
/// A value that does not fit its document (an unknown key, a list for a number) is a
/// <see cref="YamlException"/> at the line and column of that value in the file.
/// </remarks>
public static partial class YamlJson
{
    /// <summary>Reads <paramref name="yaml"/> as a <typeparamref name="T"/>; null for an empty document.</summary>
    /// <exception cref="YamlException">The text is not YAML, or does not fit <typeparamref name="T"/>.</exception>
    public static T? Deserialize<T>(string yaml, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var json = new ArrayBufferWriter<byte>(yaml.Length + 256);
        using (var writer = new Utf8JsonWriter(json))
        {
            if (!Convert(yaml, writer, marks: null))
            {
                return default;
            }
        }

        try
        {
            return JsonSerializer.Deserialize(json.WrittenSpan, type);
        }
        catch (JsonException e)
        {
            // Rare: convert again, this time noting where each value starts, to say where the problem is.
            var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
            using (var writer = new Utf8JsonWriter(Stream.Null))
            {
                Convert(yaml, writer, marks);
            }

            var path = e.Path ?? "$";
            var at = path;
            var found = marks.TryGetValue(at, out var mark);
            while (!found && at.Length > 1)
            {
                at = Parent(at);
                found = marks.TryGetValue(at, out mark);
            }

            var where = found ? mark! : Mark.Empty;
            throw new YamlException(where, where, Describe(path, e), e);
        }
    }

    /// <summary>Writes the document as JSON; false when there is none. With <paramref name="marks"/>, notes each value's start by its JSON path.</summary>
    private static bool Convert(string yaml, Utf8JsonWriter writer, Dictionary<string, Mark>? marks)
    {
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        if (parser.Accept<StreamEnd>(out _))
        {
            return false;
        }

        parser.Consume<DocumentStart>();
        if (parser.Current is Scalar scalar && IsNull(scalar))
        {
            return false; // an empty document
        }

        if (parser.Current is not MappingStart)
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, "the document must be a mapping");
        }

        try
        {
            WriteValue(parser, writer, marks, "$");
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this on some malformed flow collections (an unclosed '['):
            // the last event read is where the problem starts.
            var at = parser.Current?.Start ?? Mark.Empty;
            throw new YamlException(at, at, "malformed YAML from here (an unclosed bracket or quote?)", e);
        }

        parser.Consume<DocumentEnd>();
        if (!parser.Accept<StreamEnd>(out _))
        {
            var next = parser.Current!;
            throw new YamlException(next.Start, next.End, "one document per file");
        }

        return true;
    }

    private static void WriteValue(IParser parser, Utf8JsonWriter writer, Dictionary<string, Mark>? marks, string path)
    {
        var start = parser.Current!.Start;
        marks?.TryAdd(path, start);
        switch (parser.Current)
        {
            case AnchorAlias alias:
                throw new YamlException(alias.Start, alias.End, "anchors and aliases are not supported");
            case Scalar scalar:
                parser.MoveNext();
                WriteScalar(writer, scalar);
                break;
            case SequenceStart:
                parser.MoveNext();
                writer.WriteStartArray();
                for (var i = 0; !parser.TryConsume<SequenceEnd>(out _); i++)
                {
                    WriteValue(parser, writer, marks, marks is null ? path : string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"));
                }

                writer.WriteEndArray();
                break;
            case MappingStart:
                parser.MoveNext();
                writer.WriteStartObject();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    if (!parser.TryConsume<Scalar>(out var key))
                    {
                        throw new YamlException(parser.Current!.Start, parser.Current.End, "a key must be a plain scalar");
                    }

                    writer.WritePropertyName(key.Value);
                    WriteValue(parser, writer, marks, marks is null ? path : Child(path, key.Value));
                }

                writer.WriteEndObject();
                break;
            default:
                throw new YamlException(start, parser.Current!.End, $"unexpected {parser.Current.GetType().Name}");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
    {
        if (!scalar.IsPlainImplicit)
        {
            writer.WriteStringValue(scalar.Value); // quoted, or a block: always text
        }
        else if (IsNull(scalar))
        {
            writer.WriteNullValue();
        }
        else if (scalar.Value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(scalar.Value[0] is 't' or 'T');
        }
        else if (JsonNumber().IsMatch(scalar.Value))
        {
            writer.WriteRawValue(scalar.Value, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(scalar.Value);
        }
    }

    private static bool IsNull(Scalar scalar) => scalar.IsPlainImplicit && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    private static readonly SearchValues<char> PathSpecials = SearchValues.Create(".' /\"[]()\t\n\r\f\b\\\u0085\u2028\u2029");

    // System.Text.Json's path syntax: $.name, or $['odd name'] when the name holds one of these.
    private static string Child(string path, string name) =>
        name.AsSpan().IndexOfAny(PathSpecials) >= 0 ? $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']" : $"{path}.{name}";

    private static string Parent(string path)
    {
        var cut = path.EndsWith(']') ? path.LastIndexOf('[') : path.LastIndexOf('.');
        return cut > 0 ? path[..cut] : "$";
    }

    private static string Describe(string path, JsonException e)
    {
        var where = path == "$" ? "the document" : $"'{path[2..]}'";
        return e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? $"unknown key {where}"
            : $"{where} is not the kind of value expected there{(e.InnerException is { } inner ? ": " + inner.Message : string.Empty)}";
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();

    /// <summary>A text member takes any scalar as written in the file: <c>value: 20</c> is the text "20".</summary>
    public sealed class ScalarText : JsonConverter<string>
    {
        /// <inheritdoc/>
        public override bool HandleNull => false;

        /// <inheritdoc/>
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => throw new JsonException($"expected a scalar, found {reader.TokenType}"),
        };

        /// <inheritdoc/>
        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        /// <inheritdoc/>
        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString()!;

        /// <inheritdoc/>
        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
    }
}
