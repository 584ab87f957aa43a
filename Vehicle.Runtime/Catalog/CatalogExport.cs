using System.Text.Encodings.Web;
using System.Text.Json;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Catalog;

/// <summary>Writes the catalog's example phrases as JSONL, so other NLU engines train on exactly the same data.</summary>
public static class CatalogExport
{
    /// <summary>One <c>{"text","intent"}</c> line per example of the catalog <paramref name="options"/> names.</summary>
    public static void Write(NluOptions options, Stream output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var catalog = CatalogLoader.Load(options.ResolveCatalogPath());
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var intent in catalog.Intents)
        {
            foreach (var example in intent.Examples)
            {
                writer.Reset();
                writer.WriteStartObject();
                writer.WriteString("text", example);
                writer.WriteString("intent", intent.Name);
                writer.WriteEndObject();
                writer.Flush();
                output.WriteByte((byte)'\n');
            }
        }

        output.Flush();
    }
}
