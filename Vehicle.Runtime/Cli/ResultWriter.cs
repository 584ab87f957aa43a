using System.Text.Encodings.Web;
using System.Text.Json;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Cli;

/// <summary>Writes understanding results as the CLI's JSON-lines contract.</summary>
internal sealed class ResultWriter : IDisposable
{
    private readonly Stream _output;
    private readonly Utf8JsonWriter _writer;

    public ResultWriter(Stream output)
    {
        _output = output;
        _writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public void Write(Understanding result)
    {
        _writer.Reset();
        _writer.WriteStartObject();
        _writer.WriteString("text", result.Text);
        if (result.Intent is null)
        {
            _writer.WriteNull("intent");
        }
        else
        {
            _writer.WriteString("intent", result.Intent);
        }

        _writer.WriteStartObject("slots");
        foreach (var (name, value) in result.Slots)
        {
            if (value.Number is { } number)
            {
                _writer.WriteNumber(name, number);
            }
            else
            {
                _writer.WriteString(name, value.Text);
            }
        }

        _writer.WriteEndObject();
        _writer.WriteNumber("confidence", Math.Round(result.Confidence, 3));
        _writer.WriteString("route", result.Route == Route.Cloud ? "cloud" : "onboard");
        _writer.WriteNumber("latency_ms", Math.Round(result.Latency.TotalMilliseconds, 3));
        if (result.MissingSlots.Count > 0)
        {
            _writer.WriteStartArray("missing");
            foreach (var slot in result.MissingSlots)
            {
                _writer.WriteStringValue(slot);
            }

            _writer.WriteEndArray();
        }

        if (result.Reason is not null)
        {
            _writer.WriteString("reason", result.Reason);
        }

        if (result.Truncated)
        {
            _writer.WriteBoolean("truncated", true);
        }

        _writer.WriteEndObject();
        _writer.Flush();
        _output.WriteByte((byte)'\n');

        // Flushed per line: a test rig writes a line and waits for its answer.
        _output.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
