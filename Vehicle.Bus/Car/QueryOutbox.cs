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
/// The durable outbox: a query is written to SQLite (WAL) before it is sent, and leaves it when its
/// reply is recorded (in the same transaction, into the inbox table), it expired or it was evicted.
/// An in-memory index mirrors the table, so lookups cost no I/O: each query costs one INSERT and
/// one transaction for its reply, all prepared statements. <c>synchronous=NORMAL</c> in WAL mode
/// survives a crash of the process (kill -9); <see cref="Durable"/> (<c>FULL</c>) also survives a
/// power cut, at the cost of an fsync per write. When the table was opened, every stored query is
/// pending and unsent again, and every recorded reply not yet handed over is handed over again.
/// Bounded: when <see cref="Capacity"/> queries are pending, adding one evicts the oldest (the
/// newest question is the one the driver is waiting for); the file is capped at
/// <c>maxBytes</c>, past which (or on a full disk) <see cref="Add"/> throws and keeps what it held.
/// Intervals (time-to-live, retry) run on the monotonic clock, so a wall-clock correction (RTC set
/// from GNSS or NTP) neither expires the backlog nor stalls retries; the wall-clock expiry is kept
/// only to carry the time-to-live across a restart. Thread-safe (one lock).
/// </summary>
internal sealed class QueryOutbox : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _record;
    private readonly SqliteCommand _takeCommand;
    private readonly SqliteCommand _delivered;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Pending> _pending = [];
    private readonly List<BusReply> _undelivered = [];
    private long _sequence;

    /// <summary>Opens (or creates) the outbox at <paramref name="path"/> and loads what is pending.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="time">The clock: monotonic timestamps for intervals, wall time to store expiries.</param>
    /// <param name="capacity">Most pending queries.</param>
    /// <param name="durable">fsync every write.</param>
    /// <param name="maxBytes">Largest size of the database file; 0: no cap but the disk.</param>
    public QueryOutbox(string path, TimeProvider time, int capacity = 1000, bool durable = false, long maxBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        _time = time;
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
                CREATE TABLE IF NOT EXISTS inbox(
                    id BLOB PRIMARY KEY,
                    question TEXT NOT NULL,
                    speaker TEXT,
                    text TEXT NOT NULL,
                    command TEXT,
                    error TEXT,
                    private TEXT);
                """;
            setup.ExecuteNonQuery();
        }

        // Outboxes written before these columns existed gain them (their queries have none).
        foreach (var (column, type) in new[] { ("location", "TEXT"), ("private", "TEXT"), ("ttl_ms", "INTEGER") })
        {
            using var probe = _db.CreateCommand();
            probe.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('outbox') WHERE name = '{column}'";
            if ((long)probe.ExecuteScalar()! == 0)
            {
                probe.CommandText = $"ALTER TABLE outbox ADD COLUMN {column} {type}";
                probe.ExecuteNonQuery();
            }
        }

        if (maxBytes > 0)
        {
            using var cap = _db.CreateCommand();
            cap.CommandText = "PRAGMA page_size";
            var pageSize = (long)cap.ExecuteScalar()!;
            cap.CommandText = $"PRAGMA max_page_count={Math.Max(8, maxBytes / pageSize)}";
            cap.ExecuteNonQuery();
        }

        Load();
        _insert = Prepare(
            "INSERT INTO outbox(seq, id, text, speaker, expires_ms, traceparent, tracestate, location, private, ttl_ms) VALUES ($seq, $id, $text, $speaker, $expires, $tp, $ts, $location, $private, $ttl)",
            "$seq", "$id", "$text", "$speaker", "$expires", "$tp", "$ts", "$location", "$private", "$ttl");
        _delete = Prepare("DELETE FROM outbox WHERE id = $id", "$id");
        _record = Prepare(
            "INSERT OR IGNORE INTO inbox(id, question, speaker, text, command, error, private) VALUES ($id, $question, $speaker, $text, $command, $error, $private)",
            "$id", "$question", "$speaker", "$text", "$command", "$error", "$private");
        _takeCommand = Prepare("UPDATE inbox SET command = NULL WHERE id = $id", "$id");
        _delivered = Prepare("DELETE FROM inbox WHERE id = $id", "$id");
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

    /// <summary>
    /// Stores a query; returns the queries evicted to make room (oldest first). Nothing changes
    /// when it throws (a full disk, the size cap): the eviction is undone with the insert.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="traceParent">W3C traceparent of the asking request.</param>
    /// <param name="traceState">W3C tracestate.</param>
    /// <param name="sent">Whether the caller publishes it right away (it is then not due until the retry interval).</param>
    public IReadOnlyList<BusQuery> Add(BusQuery query, string? traceParent = null, string? traceState = null, bool sent = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            var ttl = Max(query.Expires - _time.GetUtcNow(), TimeSpan.Zero);
            // Only a full outbox pays for finding its oldest entries.
            List<Pending> evicted = _pending.Count < Capacity ? [] : [.. _pending.Values.OrderBy(p => p.Entry.Sequence).Take(_pending.Count - Capacity + 1)];
            var sequence = _sequence + 1;
            using (var transaction = _db.BeginTransaction())
            {
                foreach (var old in evicted)
                {
                    Run(transaction, _delete, old.Entry.Query.Id.ToByteArray());
                }

                Run(transaction, _insert, sequence, query.Id.ToByteArray(), query.Text, query.Speaker, query.Expires.ToUnixTimeMilliseconds(), traceParent, traceState, FormatLocation(query.Location), query.Private, (long)ttl.TotalMilliseconds);
                transaction.Commit();
            }

            _sequence = sequence;
            evicted.ForEach(old => _pending.Remove(old.Entry.Query.Id));
            var now = _time.GetTimestamp();
            _pending[query.Id] = new Pending(new OutboxEntry(sequence, query, traceParent, traceState), now + Ticks(ttl)) { Sent = sent ? now : null };
            return [.. evicted.Select(p => p.Entry.Query)];
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

    /// <summary>How long this pending query has left to live (monotonic), or null when it is not pending.</summary>
    public TimeSpan? Remaining(Guid id)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(id, out var pending) ? _time.GetElapsedTime(_time.GetTimestamp(), pending.Deadline) : null;
        }
    }

    /// <summary>
    /// Entries to send now, in order: not sent on this connection, or sent but unanswered for
    /// <paramref name="retryAfter"/>; none that has expired.
    /// </summary>
    public IReadOnlyList<OutboxEntry> Due(TimeSpan retryAfter, int limit)
    {
        var now = _time.GetTimestamp();
        var retryTicks = Ticks(retryAfter);
        lock (_gate)
        {
            return [.. _pending.Values
                .Where(p => p.Deadline > now && (p.Sent is not { } sent || now - sent >= retryTicks))
                .Select(p => p.Entry)
                .OrderBy(e => e.Sequence)
                .Take(limit)];
        }
    }

    /// <summary>Marks a query as handed to the connection (not due again until the retry interval passes).</summary>
    public void MarkSent(Guid id)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(id, out var pending))
            {
                pending.Sent = _time.GetTimestamp();
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

    /// <summary>Removes a query without an answer (the egress guard refused it); false when it was not pending.</summary>
    public bool Remove(Guid id)
    {
        lock (_gate)
        {
            if (!_pending.ContainsKey(id))
            {
                return false;
            }

            Run(null, _delete, id.ToByteArray());
            return _pending.Remove(id);
        }
    }

    /// <summary>
    /// Records a reply and removes its query, in one transaction; false when the query is not
    /// pending (answered already, expired, or never asked): the reply is then a duplicate or unknown.
    /// </summary>
    public bool Answer(BusReply reply)
    {
        lock (_gate)
        {
            if (!_pending.ContainsKey(reply.Id))
            {
                return false;
            }

            using (var transaction = _db.BeginTransaction())
            {
                Run(transaction, _delete, reply.Id.ToByteArray());
                Run(transaction, _record, reply.Id.ToByteArray(), reply.Question, reply.Speaker, reply.Text, reply.Command, reply.Error, reply.Private);
                transaction.Commit();
            }

            return _pending.Remove(reply.Id);
        }
    }

    /// <summary>Forgets a recorded reply's suggested command before it is acted on: after a crash the answer comes back without it.</summary>
    public void TakeCommand(Guid id) => Execute(_takeCommand, id);

    /// <summary>Forgets a recorded reply once it has been handed over.</summary>
    public void Delivered(Guid id) => Execute(_delivered, id);

    /// <summary>Recorded replies that an earlier process did not finish handing over (their commands already taken, if it got that far); once.</summary>
    public IReadOnlyList<BusReply> TakeUndelivered()
    {
        lock (_gate)
        {
            List<BusReply> replies = [.. _undelivered];
            _undelivered.Clear();
            return replies;
        }
    }

    /// <summary>Removes and returns the queries whose time-to-live has run out, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> RemoveExpired()
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            List<OutboxEntry> expired = [.. _pending.Values.Where(p => p.Deadline <= now).Select(p => p.Entry).OrderBy(e => e.Sequence)];
            foreach (var entry in expired)
            {
                Run(null, _delete, entry.Query.Id.ToByteArray());
                _pending.Remove(entry.Query.Id);
            }

            return expired;
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
            foreach (var command in new[] { _insert, _delete, _record, _takeCommand, _delivered })
            {
                command.Dispose();
            }

            _db.Dispose();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void Load()
    {
        var wallNow = _time.GetUtcNow();
        var now = _time.GetTimestamp();
        using (var load = _db.CreateCommand())
        {
            load.CommandText = "SELECT seq, id, text, speaker, expires_ms, traceparent, tracestate, location, private, ttl_ms FROM outbox";
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
                // Across a restart only the wall clock remains; never longer than the query's own time-to-live.
                var left = Max(query.Expires - wallNow, TimeSpan.Zero);
                if (!reader.IsDBNull(9) && TimeSpan.FromMilliseconds(reader.GetInt64(9)) is var ttl && left > ttl)
                {
                    left = ttl;
                }

                _pending[query.Id] = new Pending(new OutboxEntry(reader.GetInt64(0), query, reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)), now + Ticks(left));
                _sequence = Math.Max(_sequence, reader.GetInt64(0));
            }
        }

        using var inbox = _db.CreateCommand();
        inbox.CommandText = "SELECT id, question, speaker, text, command, error, private FROM inbox";
        using var replies = inbox.ExecuteReader();
        while (replies.Read())
        {
            _undelivered.Add(new BusReply(
                new Guid((byte[])replies[0]),
                replies.GetString(1),
                replies.IsDBNull(2) ? null : replies.GetString(2),
                replies.GetString(3),
                replies.IsDBNull(4) ? null : replies.GetString(4),
                replies.IsDBNull(5) ? null : replies.GetString(5),
                replies.IsDBNull(6) ? null : replies.GetString(6)));
        }
    }

    private void Execute(SqliteCommand command, Guid id)
    {
        lock (_gate)
        {
            Run(null, command, id.ToByteArray());
        }
    }

    private static void Run(SqliteTransaction? transaction, SqliteCommand command, params object?[] values)
    {
        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
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

    private sealed class Pending(OutboxEntry entry, long deadline)
    {
        public OutboxEntry Entry { get; } = entry;

        /// <summary>Monotonic timestamp at which its time-to-live runs out.</summary>
        public long Deadline { get; } = deadline;

        /// <summary>Monotonic timestamp of the last hand-over to the connection; null: not sent on this connection.</summary>
        public long? Sent { get; set; }
    }
}
