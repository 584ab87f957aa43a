using System.Text.Encodings.Web;
using System.Text.Json;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// <c>redact</c>: what would leave the car for each text, for privacy reviews and audits. One JSON
/// line per input: <c>text</c>, <c>redacted</c> (exactly the question the bus would publish) and
/// <c>entities</c> (type and placeholder). The removed values appear nowhere but in <c>text</c>.
/// </summary>
internal static class RedactCommand
{
    public static void Run(CloudPrivacy privacy, IEnumerable<(string Line, bool Valid)> lines, Stream output)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var (line, valid) in lines)
        {
            writer.Reset();
            writer.WriteStartObject();
            writer.WriteString("text", line);
            if (!valid)
            {
                writer.WriteString("error", "invalid_utf8");
            }
            else
            {
                var redaction = privacy.Redact(line);
                writer.WriteString("redacted", redaction.Text);
                writer.WriteStartArray("entities");
                foreach (var entity in redaction.Entities)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", entity.Type.ToPlaceholderName());
                    writer.WriteString("placeholder", entity.Placeholder);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.Flush();
            output.WriteByte((byte)'\n');
            output.Flush();
        }
    }
}
