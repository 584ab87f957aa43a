using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vehicle.Bus.Car;

namespace Vehicle.Bus.Cloud;

/// <summary>
/// The <c>send</c> command: the car's side of the bus without the runtime, for integration tests
/// and for poking at a broker. One JSON line per event: <c>{"event":"sent|queued|refused|answered|failed|expired|evicted","id",...}</c>.
/// </summary>
internal sealed class SendSession : ICloudReplySink, IDisposable
{
    private readonly Stream _output;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _changed = new(0);

    private SendSession(Stream output) => _output = output;

    public static async Task<int> RunAsync(CarBusOptions options, TimeSpan ttl, TextReader input, Stream output, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var session = new SendSession(output);
        var client = VehicleBusClient.Start(options, session, loggerFactory: loggers);
        await using (client.ConfigureAwait(false))
        {
            while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var query = new BusQuery(Guid.NewGuid(), line, TimeProvider.System.GetUtcNow() + ttl);
                var result = client.Enqueue(query);
                session.Write(result.Status.ToString().ToLowerInvariant(), query.Id, ("text", line), ("error", result.Error));
            }

            // stdin is done: wait for everything pending, this run's and earlier runs'.
            while (client.Pending > 0 && !cancellationToken.IsCancellationRequested)
            {
                await session._changed.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }

        return 0;
    }

    public ValueTask OnReplyAsync(BusReply reply, CancellationToken cancellationToken)
    {
        Write(reply.Error is null ? "answered" : "failed", reply.Id, ("text", reply.Question), ("answer", reply.Text), ("command", reply.Command), ("error", reply.Error));
        _changed.Release();
        return ValueTask.CompletedTask;
    }

    public void OnDropped(BusQuery query, QueryDropReason reason)
    {
        Write(reason.ToString().ToLowerInvariant(), query.Id, ("text", query.Text));
        _changed.Release();
    }

    public void Dispose() => _changed.Dispose();

    private void Write(string what, Guid id, params (string Name, string? Value)[] fields)
    {
        lock (_gate)
        {
            using var writer = new Utf8JsonWriter(_output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            writer.WriteStartObject();
            writer.WriteString("event", what);
            writer.WriteString("id", id);
            foreach (var (name, value) in fields)
            {
                if (value is not null)
                {
                    writer.WriteString(name, value);
                }
            }

            writer.WriteEndObject();
            writer.Flush();
            _output.WriteByte((byte)'\n');
            _output.Flush();
        }
    }
}
