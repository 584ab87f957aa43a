using System.Text.Encodings.Web;
using System.Text.Json;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// Writes outcomes as the copilot's JSON-lines contract (one object per request: what <c>ask
/// --batch</c> prints, and what every front end adds its own fields to).
/// </summary>
public sealed class OutcomeJsonWriter : IDisposable
{
    private readonly Stream _output;
    private readonly Utf8JsonWriter _writer;

    /// <summary>Writes to <paramref name="output"/>, one line per <see cref="Write"/>.</summary>
    public OutcomeJsonWriter(Stream output)
    {
        _output = output;
        _writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>
    /// Writes one line: the understanding fields, then (when the request went through the command
    /// channel) outcome, actuations, response, lane and total_ms.
    /// </summary>
    /// <param name="result">The understanding.</param>
    /// <param name="outcome">The channel's outcome.</param>
    /// <param name="cloud">What the cloud answered.</param>
    /// <param name="extra">More fields of a front end (the voice front end's transcript and timings).</param>
    public void Write(Understanding result, CommandOutcome? outcome = null, CloudResult? cloud = null, Action<Utf8JsonWriter>? extra = null)
    {
        _writer.Reset();
        _writer.WriteStartObject();
        _writer.WriteString("text", result.Text);
        WriteUnderstood(result);
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

        if ((outcome?.Reason ?? result.Reason) is { } reason)
        {
            _writer.WriteString("reason", reason);
        }

        if (result.Truncated)
        {
            _writer.WriteBoolean("truncated", true);
        }

        if (outcome is not null)
        {
            _writer.WriteString("outcome", outcome.Kind.ToContractName());
            WriteActuations(outcome.Actuations);
            _writer.WriteString("response", outcome.Response);
            if (outcome.Lane is { } lane)
            {
                _writer.WriteString("lane", lane.ToString().ToLowerInvariant());
            }
            else
            {
                _writer.WriteNull("lane");
            }

            _writer.WriteNumber("total_ms", Math.Round(outcome.Total.TotalMilliseconds, 3));
            if (outcome.Awaiting is { } awaiting)
            {
                _writer.WriteStartObject("awaiting");
                _writer.WriteString("kind", awaiting.Kind);
                _writer.WriteString("intent", awaiting.Intent);
                if (awaiting.Slot is not null)
                {
                    _writer.WriteString("slot", awaiting.Slot);
                }

                if (awaiting.Options is { } options)
                {
                    _writer.WriteStartArray("options");
                    foreach (var option in options)
                    {
                        _writer.WriteStringValue(option);
                    }

                    _writer.WriteEndArray();
                }

                _writer.WriteEndObject();
            }

            if (outcome.Context)
            {
                _writer.WriteBoolean("context", true);
            }

            if (outcome.Commands.Count > 0)
            {
                _writer.WriteStartArray("commands");
                foreach (var command in outcome.Commands)
                {
                    _writer.WriteStartObject();
                    _writer.WriteString("text", command.Utterance);
                    WriteUnderstood(command.Understanding);
                    _writer.WriteString("outcome", command.Kind.ToContractName());
                    WriteActuations(command.Actuations);
                    _writer.WriteString("response", command.Response);
                    if (command.Reason is not null)
                    {
                        _writer.WriteString("reason", command.Reason);
                    }

                    _writer.WriteEndObject();
                }

                _writer.WriteEndArray();
            }

            if (outcome.CloudQueryId is { } id)
            {
                WriteCloud(id, outcome.Reason == "queued_offline" ? "queued" : "pending", cloud);
            }
        }

        extra?.Invoke(_writer);
        _writer.WriteEndObject();
        _writer.Flush();
        _output.WriteByte((byte)'\n');

        // Flushed per line: a test rig writes a line and waits for its answer.
        _output.Flush();
    }

    /// <summary>One line of only the fields <paramref name="fields"/> writes (an input that gave no outcome, e.g. <c>{"file","error"}</c>).</summary>
    public void WriteLine(Action<Utf8JsonWriter> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _writer.Reset();
        _writer.WriteStartObject();
        fields(_writer);
        _writer.WriteEndObject();
        _writer.Flush();
        _output.WriteByte((byte)'\n');
        _output.Flush();
    }

    /// <inheritdoc/>
    public void Dispose() => _writer.Dispose();

    /// <summary>"intent" (null when nothing was understood) and "slots".</summary>
    private void WriteUnderstood(Understanding? result)
    {
        if (result?.Intent is not { } intent)
        {
            _writer.WriteNull("intent");
        }
        else
        {
            _writer.WriteString("intent", intent);
        }

        _writer.WriteStartObject("slots");
        foreach (var (name, value) in result?.Slots ?? [])
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
    }

    /// <summary>"actuations": what was applied, <c>[{"path", "value"}]</c> with typed values.</summary>
    private void WriteActuations(IReadOnlyList<Actuation> actuations)
    {
        _writer.WriteStartArray("actuations");
        foreach (var actuation in actuations)
        {
            _writer.WriteStartObject();
            _writer.WriteString("path", actuation.Path);
            if (actuation.Value.Boolean is { } flag)
            {
                _writer.WriteBoolean("value", flag);
            }
            else if (actuation.Value.Number is { } number)
            {
                _writer.WriteNumber("value", number);
            }
            else
            {
                _writer.WriteString("value", actuation.Value.Text);
            }

            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
    }

    /// <summary>"cloud": the query id and what became of it (answered, failed, expired; pending or queued while unknown).</summary>
    private void WriteCloud(Guid id, string unknown, CloudResult? cloud)
    {
        _writer.WriteStartObject("cloud");
        _writer.WriteString("query_id", id);
        _writer.WriteString("outcome", cloud?.Kind.ToContractName() ?? unknown);
        if (cloud is not null)
        {
            _writer.WriteString("response", cloud.Response);
            if (cloud.Reason is not null)
            {
                _writer.WriteString("reason", cloud.Reason);
            }

            if (cloud.Action is { } action)
            {
                _writer.WriteStartObject("action");
                _writer.WriteString("text", action.Utterance);
                _writer.WriteString("outcome", action.Kind.ToContractName());
                _writer.WriteString("response", action.Response);
                if (action.Reason is not null)
                {
                    _writer.WriteString("reason", action.Reason);
                }

                _writer.WriteEndObject();
            }
        }

        _writer.WriteEndObject();
    }
}
