using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Vehicle.Bus.Car;

/// <summary>One pending query in the outbox.</summary>
/// <param name="Sequence">Insertion order: the backlog drains in this order.</param>
/// <param name="Query">The query.</param>
/// <param name="TraceParent">W3C traceparent of the request that asked it.</param>
/// <param name="TraceState">W3C tracestate.</param>
internal sealed record OutboxEntry(long Sequence, BusQuery Query, string? TraceParent, string? TraceState);

/// <summary>
/// The durable outbox: a query is written to SQLite (WAL) before it is sent and deleted only when
/// its reply has been handed to the runtime, it expired or it was evicted. An in-memory index
/// mirrors the table, so lookups cost no I/O: each query costs one INSERT and one DELETE, both
/// prepared statements. <c>synchronous=NORMAL</c> in WAL mode survives a crash of the process
/// (kill -9); <see cref="Durable"/> (<c>FULL</c>) also survives a power cut, at the cost of an
/// fsync per write. When the table was opened, every stored query is pending and unsent again.
/// Bounded: when <see cref="Capacity"/> queries are pending, adding one evicts the oldest (the
/// newest question is the one the driver is waiting for). Thread-safe (one lock).
/// </summary>
internal sealed class QueryOutbox : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Pending> _pending = [];
    private long _sequence;

    /// <summary>Opens (or creates) the outbox at <paramref name="path"/> and loads what is pending.</summary>
    public QueryOutbox(string path, int capacity = 1000, bool durable = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Durable = durable;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        using (var setup = _db.CreateCommand())
        {
            setup.CommandText = $"""
                PRAGMA locking_mode=EXCLUSIVE;
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous={(durable ? "FULL" : "NORMAL")};
                PRAGMA busy_timeout=5000;
                PRAGMA secure_delete=ON;
                CREATE TABLE IF NOT EXISTS outbox(
                    seq INTEGER PRIMARY KEY,
                    id BLOB NOT NULL UNIQUE,
                    text TEXT NOT NULL,
                    speaker TEXT,
                    expires_ms INTEGER NOT NULL,
                    traceparent TEXT,
                    tracestate TEXT);
                """;
            setup.ExecuteNonQuery();
        }

        // Outboxes written before these columns existed gain them (their queries have none).
        foreach (var column in new[] { "location", "private" })
        {
            using var probe = _db.CreateCommand();
            probe.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = '{column}'";
            if ((long)probe.ExecuteScalar()! == 0)
            {
                probe.CommandText = $"ALTER TABLE outbox ADD COLUMN {column} TEXT";
                probe.ExecuteNonQuery();
            }
        }

        using (var load = _db.CreateCommand())
        {
            load.CommandText = "SELECT seq, id, text, speaker, expires_ms, traceparent, tracestate, location, private FROM outbox";
            using var reader = load.ExecuteReader();
            while (reader.Read())
            {
                var query = new BusQuery(
                    new Guid((byte[])reader[1]),
                    reader.GetString(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(7) ? null : ParseLocation(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : reader.GetString(8));
                _pending[query.Id] = new Pending(new OutboxEntry(reader.GetInt64(0), query, reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
                _sequence = Math.Max(_sequence, reader.GetInt64(0));
            }
        }

        _insert = Prepare(
            "INSERT INTO outbox(seq, id, text, speaker, expires_ms, traceparent, tracestate, location, private) VALUES ($seq, $id, $text, $speaker, $expires, $tp, $ts, $location, $private)",
            "$seq", "$id", "$text", "$speaker", "$expires", "$tp", "$ts", "$location", "$private");
        _delete = Prepare("DELETE FROM outbox WHERE id = $id", "$id");
    }

    /// <summary>Most queries kept; adding one more evicts the oldest.</summary>
    public int Capacity { get; }

    /// <summary>Whether every write is fsynced (power-cut safe) rather than only crash safe.</summary>
    public bool Durable { get; }

    /// <summary>Pending queries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Stores a query; returns the queries evicted to make room (oldest first).</summary>
    /// <param name="query">The query.</param>
    /// <param name="traceParent">W3C traceparent of the asking request.</param>
    /// <param name="traceState">W3C tracestate.</param>
    /// <param name="sentAt">Set when the caller publishes it right away (it is then not due until the retry interval).</param>
    public IReadOnlyList<BusQuery> Add(BusQuery query, string? traceParent = null, string? traceState = null, DateTimeOffset? sentAt = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            List<BusQuery> evicted = [];
            while (_pending.Count >= Capacity)
            {
                var oldest = _pending.Values.MinBy(p => p.Entry.Sequence)!.Entry.Query;
                Delete(oldest.Id);
                evicted.Add(oldest);
            }

            var sequence = _sequence + 1;
            Bind(_insert, sequence, query.Id.ToByteArray(), query.Text, query.Speaker, query.Expires.ToUnixTimeMilliseconds(), traceParent, traceState, FormatLocation(query.Location), query.Private);
            _insert.ExecuteNonQuery();
            _sequence = sequence;
            _pending[query.Id] = new Pending(new OutboxEntry(sequence, query, traceParent, traceState)) { Sent = sentAt };
            return evicted;
        }
    }

    /// <summary>The pending entry with this id, or null.</summary>
    public OutboxEntry? Find(Guid id)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(id, out var pending) ? pending.Entry : null;
        }
    }

    /// <summary>
    /// Entries to send now, in order: not sent on this connection, or sent but unanswered for
    /// <paramref name="retryAfter"/>; none that has expired.
    /// </summary>
    public IReadOnlyList<OutboxEntry> Due(DateTimeOffset now, TimeSpan retryAfter, int limit)
    {
        lock (_gate)
        {
            return [.. _pending.Values
                .Where(p => p.Entry.Query.Expires > now && (p.Sent is null || p.Sent <= now - retryAfter))
                .Select(p => p.Entry)
                .OrderBy(e => e.Sequence)
                .Take(limit)];
        }
    }

    /// <summary>Marks a query as handed to the connection (not due again until the retry interval passes).</summary>
    public void MarkSent(Guid id, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(id, out var pending))
            {
                pending.Sent = now;
            }
        }
    }

    /// <summary>Makes queries due again: these ids, or (null) every pending query.</summary>
    public void ResetSent(IEnumerable<Guid>? ids)
    {
        lock (_gate)
        {
            foreach (var pending in ids is null ? _pending.Values : ids.Select(id => _pending.GetValueOrDefault(id)).OfType<Pending>())
            {
                pending.Sent = null;
            }
        }
    }

    /// <summary>Removes an answered query; false when it was not pending.</summary>
    public bool Remove(Guid id)
    {
        lock (_gate)
        {
            return _pending.ContainsKey(id) && Delete(id);
        }
    }

    /// <summary>Removes and returns the queries whose time-to-live has run out, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> RemoveExpired(DateTimeOffset now)
    {
        lock (_gate)
        {
            List<OutboxEntry> expired = [.. _pending.Values.Where(p => p.Entry.Query.Expires <= now).Select(p => p.Entry).OrderBy(e => e.Sequence)];
            foreach (var entry in expired)
            {
                Delete(entry.Query.Id);
            }

            return expired;
        }
    }

    /// <summary>When the next pending query expires, or null when none is pending.</summary>
    public DateTimeOffset? NextExpiry()
    {
        lock (_gate)
        {
            return _pending.Count == 0 ? null : _pending.Values.Min(p => p.Entry.Query.Expires);
        }
    }

    /// <summary>Deletes an outbox's files (the database and its WAL and shared-memory files).</summary>
    public static void Delete(string path)
    {
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _insert.Dispose();
            _delete.Dispose();
            _db.Dispose();
        }
    }

    private static string? FormatLocation(CoarseLocation? location) =>
        location is null ? null : string.Create(CultureInfo.InvariantCulture, $"{location.Latitude:R},{location.Longitude:R},{location.RadiusKm:R}");

    private static CoarseLocation? ParseLocation(string text)
    {
        var parts = text.Split(',');
        return parts.Length == 3
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude)
            && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var radius)
            ? new CoarseLocation(latitude, longitude, radius)
            : null;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private bool Delete(Guid id)
    {
        Bind(_delete, id.ToByteArray());
        _delete.ExecuteNonQuery();
        return _pending.Remove(id);
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }

        command.Prepare();
        return command;
    }

    private sealed class Pending(OutboxEntry entry)
    {
        public OutboxEntry Entry { get; } = entry;

        public DateTimeOffset? Sent { get; set; }
    }
}
