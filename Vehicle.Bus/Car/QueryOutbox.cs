using Microsoft.Data.Sqlite;

namespace Vehicle.Bus.Car;

/// <summary>One pending query in the outbox.</summary>
/// <param name="Sequence">Insertion order: the backlog drains in this order.</param>
/// <param name="Query">The query.</param>
/// <param name="TraceParent">W3C traceparent of the request that asked it.</param>
/// <param name="TraceState">W3C tracestate.</param>
public sealed record OutboxEntry(long Sequence, BusQuery Query, string? TraceParent, string? TraceState);

/// <summary>
/// The durable outbox (SQLite, WAL): a query is written before it is sent and removed only when its
/// reply has been handed to the runtime or it expired. <c>synchronous=NORMAL</c> in WAL mode
/// survives a crash of the process (kill -9); <see cref="Durable"/> (<c>FULL</c>) also survives
/// a power cut at the cost of an fsync per query.
/// Bounded: when <see cref="Capacity"/> queries are pending, adding one evicts the oldest
/// (the newest question is the one the driver is waiting for).
/// Thread-safe; one connection, one lock: every operation is a single short statement.
/// </summary>
public sealed class QueryOutbox : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    /// <summary>Opens (or creates) the outbox at <paramref name="path"/>.</summary>
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
        Execute($"""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={(durable ? "FULL" : "NORMAL")};
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS outbox(
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id BLOB NOT NULL UNIQUE,
                text TEXT NOT NULL,
                speaker TEXT,
                expires_ms INTEGER NOT NULL,
                traceparent TEXT,
                tracestate TEXT,
                sent_ms INTEGER,
                acked INTEGER NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0);
            """);
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
                return Convert.ToInt32(Scalar("SELECT COUNT(*) FROM outbox"), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Stores a query; returns the ids evicted to make room (oldest first).</summary>
    public IReadOnlyList<Guid> Add(BusQuery query, string? traceParent = null, string? traceState = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            var evicted = new List<Guid>();
            var excess = Convert.ToInt64(Scalar("SELECT COUNT(*) FROM outbox"), System.Globalization.CultureInfo.InvariantCulture) - Capacity + 1;
            if (excess > 0)
            {
                using var oldest = Command("SELECT id FROM outbox ORDER BY seq LIMIT $n", ("$n", excess));
                using (var reader = oldest.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        evicted.Add(new Guid((byte[])reader[0]));
                    }
                }

                foreach (var id in evicted)
                {
                    using var delete = Command("DELETE FROM outbox WHERE id = $id", ("$id", id.ToByteArray()));
                    delete.ExecuteNonQuery();
                }
            }

            using var insert = Command(
                "INSERT INTO outbox(id, text, speaker, expires_ms, traceparent, tracestate) VALUES ($id, $text, $speaker, $expires, $tp, $ts)",
                ("$id", query.Id.ToByteArray()),
                ("$text", query.Text),
                ("$speaker", query.Speaker),
                ("$expires", query.Expires.ToUnixTimeMilliseconds()),
                ("$tp", traceParent),
                ("$ts", traceState));
            insert.ExecuteNonQuery();
            transaction.Commit();
            return evicted;
        }
    }

    /// <summary>The pending entry with this id, or null.</summary>
    public OutboxEntry? Find(Guid id)
    {
        lock (_gate)
        {
            using var command = Command("SELECT seq, id, text, speaker, expires_ms, traceparent, tracestate FROM outbox WHERE id = $id", ("$id", id.ToByteArray()));
            return ReadEntries(command).FirstOrDefault();
        }
    }

    /// <summary>
    /// Entries to send now, in order: never sent on this connection, or sent without an
    /// acknowledgement, or acknowledged by the broker but unanswered for <paramref name="retryAfter"/>.
    /// </summary>
    public IReadOnlyList<OutboxEntry> Due(DateTimeOffset now, TimeSpan retryAfter, int limit)
    {
        lock (_gate)
        {
            using var command = Command(
                "SELECT seq, id, text, speaker, expires_ms, traceparent, tracestate FROM outbox WHERE expires_ms > $now AND (sent_ms IS NULL OR sent_ms <= $retry) ORDER BY seq LIMIT $limit",
                ("$now", now.ToUnixTimeMilliseconds()),
                ("$retry", (now - retryAfter).ToUnixTimeMilliseconds()),
                ("$limit", limit));
            return ReadEntries(command);
        }
    }

    /// <summary>Marks a query as handed to the connection (not due again until the retry interval passes).</summary>
    public void MarkSent(Guid id, DateTimeOffset now) =>
        Update("UPDATE outbox SET sent_ms = $now, acked = 0, attempts = attempts + 1 WHERE id = $id", ("$now", now.ToUnixTimeMilliseconds()), ("$id", id.ToByteArray()));

    /// <summary>Marks a query as acknowledged by the broker (PUBACK).</summary>
    public void MarkAcknowledged(Guid id) => Update("UPDATE outbox SET acked = 1 WHERE id = $id", ("$id", id.ToByteArray()));

    /// <summary>
    /// After a reconnect: queries the broker never acknowledged are due again; with no session on
    /// the broker (it lost it, or it expired) every pending query is.
    /// </summary>
    public void ResetAfterReconnect(bool sessionPresent) =>
        Update(sessionPresent ? "UPDATE outbox SET sent_ms = NULL WHERE acked = 0" : "UPDATE outbox SET sent_ms = NULL, acked = 0");

    /// <summary>Removes an answered query; false when it was not pending.</summary>
    public bool Remove(Guid id) => Update("DELETE FROM outbox WHERE id = $id", ("$id", id.ToByteArray())) > 0;

    /// <summary>Removes and returns the queries whose time-to-live has run out.</summary>
    public IReadOnlyList<OutboxEntry> RemoveExpired(DateTimeOffset now)
    {
        lock (_gate)
        {
            using var command = Command(
                "DELETE FROM outbox WHERE expires_ms <= $now RETURNING seq, id, text, speaker, expires_ms, traceparent, tracestate",
                ("$now", now.ToUnixTimeMilliseconds()));
            return ReadEntries(command);
        }
    }

    /// <summary>When the next pending query expires, or null when none is pending.</summary>
    public DateTimeOffset? NextExpiry()
    {
        lock (_gate)
        {
            return Scalar("SELECT MIN(expires_ms) FROM outbox") is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _db.Dispose();
        }
    }

    private static List<OutboxEntry> ReadEntries(SqliteCommand command)
    {
        var entries = new List<OutboxEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var query = new BusQuery(
                new Guid((byte[])reader[1]),
                reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.IsDBNull(3) ? null : reader.GetString(3));
            entries.Add(new OutboxEntry(reader.GetInt64(0), query, reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return entries;
    }

    private int Update(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            using var command = Command(sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
