using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// The driver's profile on the device: SQLite (WAL, secure delete) with an in-memory
/// <see cref="ProfileSnapshot"/> that lanes read without I/O. Executed commands are appended to
/// the history by a background writer, never on a lane's thread. JSON import and export; wipe
/// removes everything and vacuums the file. Nothing here is ever sent anywhere.
/// </summary>
public sealed class ProfileStore : IPersonalProfile, IDisposable, IAsyncDisposable
{
    /// <summary>Most history entries kept (oldest dropped).</summary>
    public const int HistoryCapacity = 20_000;

    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    // Commands are spoken by people: a few per minute. Unbounded, so a flush marker is never dropped.
    private readonly Channel<(HistoryEntry? Entry, TaskCompletionSource? Flushed)> _pending = Channel.CreateUnbounded<(HistoryEntry?, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly TimeSpan _retryDelay;
    private ProfileSnapshot _current;
    private HistoryLog _history = null!; // made by Load, under _gate once the store is open
    private long _writerErrors;
    private long _historyDropped;

    private ProfileStore(SqliteConnection db, TimeSpan retryDelay)
    {
        _db = db;
        _retryDelay = retryDelay;
        _current = new ProfileSnapshot(Load());
        _writer = Task.Run(WriteHistoryAsync);
    }

    /// <summary>Raised after the profile changed (import, wipe, history).</summary>
    public event Action<ProfileSnapshot>? Changed;

    /// <summary>The profile now.</summary>
    public ProfileSnapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// Errors the history writer survived: a write that failed (a busy or full database) and was
    /// tried again, or a <see cref="Changed"/> subscriber that threw.
    /// </summary>
    public long WriterErrors => Interlocked.Read(ref _writerErrors);

    /// <summary>History entries given up on after <see cref="WriteAttempts"/> failed writes.</summary>
    public long HistoryDropped => Interlocked.Read(ref _historyDropped);

    /// <summary>How often the writer tries one batch of history (backing off from 100 ms, doubling) before giving it up.</summary>
    public const int WriteAttempts = 8;

    /// <summary>Deletes a closed profile's files (the SQLite database and its WAL and shared-memory files).</summary>
    public static void Delete(string path)
    {
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    /// <summary>Opens (or creates) the profile database at <paramref name="path"/>.</summary>
    public static ProfileStore Open(string path) => Open(path, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));

    /// <summary>Opens with a given SQLite busy timeout and first retry delay of the history writer (tests make both short).</summary>
    internal static ProfileStore Open(string path, TimeSpan busyTimeout, TimeSpan retryDelay)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        using (var setup = db.CreateCommand())
        {
            setup.CommandText = $$"""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=NORMAL;
                PRAGMA secure_delete=ON;
                PRAGMA busy_timeout={{(long)busyTimeout.TotalMilliseconds}};
                CREATE TABLE IF NOT EXISTS owner(id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS contacts(id INTEGER PRIMARY KEY, json TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS places(name TEXT PRIMARY KEY, json TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS preferences(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS history(id INTEGER PRIMARY KEY, time TEXT NOT NULL, intent TEXT NOT NULL, slots TEXT NOT NULL, latitude REAL, longitude REAL);
                """;
            setup.ExecuteNonQuery();
        }

        return new ProfileStore(db, retryDelay);
    }

    /// <summary>The default location: <c>$XDG_DATA_HOME/vehicle-copilot/profile.db</c> (or the platform's local app data).</summary>
    public static string DefaultPath() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "vehicle-copilot", "profile.db");

    /// <summary>Replaces the whole profile with <paramref name="data"/>.</summary>
    public void Import(ProfileData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Validate(data);
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            Execute(transaction, "DELETE FROM owner; DELETE FROM contacts; DELETE FROM places; DELETE FROM preferences; DELETE FROM history;");
            Insert(transaction, "INSERT INTO owner(id, json) VALUES (1, $a)", JsonSerializer.Serialize(data.Owner, ProfileJson.Default.OwnerData));
            foreach (var contact in data.Contacts)
            {
                Insert(transaction, "INSERT INTO contacts(json) VALUES ($a)", JsonSerializer.Serialize(contact, ProfileJson.Default.ContactData));
            }

            foreach (var place in data.Places)
            {
                Insert(transaction, "INSERT OR REPLACE INTO places(name, json) VALUES ($a, $b)", place.Name.ToLowerInvariant(), JsonSerializer.Serialize(place, ProfileJson.Default.PlaceData));
            }

            foreach (var (key, value) in data.Preferences)
            {
                Insert(transaction, "INSERT OR REPLACE INTO preferences(key, value) VALUES ($a, $b)", key, value);
            }

            foreach (var entry in data.History.TakeLast(HistoryCapacity))
            {
                InsertHistory(transaction, entry);
            }

            transaction.Commit();
        }

        Reload();
    }

    /// <summary>Reads a profile JSON file and imports it.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid profile (the message says where).</exception>
    public void ImportFile(string path)
    {
        ProfileData? data;
        try
        {
            data = JsonSerializer.Deserialize(File.ReadAllText(path), ProfileJson.Default.ProfileData);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid profile: {e.Message}", e);
        }

        Import(data ?? throw new InvalidDataException($"{path}: empty profile"));
    }

    /// <summary>The whole profile as JSON.</summary>
    public string Export() => JsonSerializer.Serialize(Current.Data, ProfileJson.Default.ProfileData);

    /// <summary>Sets one preference (e.g. <c>suggestions</c> = <c>off</c>).</summary>
    public void SetPreference(string key, string value)
    {
        lock (_gate)
        {
            Insert(null, "INSERT OR REPLACE INTO preferences(key, value) VALUES ($a, $b)", key, value);
        }

        Reload();
    }

    /// <summary>Removes everything, overwrites the freed pages and shrinks the file.</summary>
    public void Wipe()
    {
        lock (_gate)
        {
            Execute(null, "DELETE FROM owner; DELETE FROM contacts; DELETE FROM places; DELETE FROM preferences; DELETE FROM history;");
            Execute(null, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;");
        }

        Reload();
    }

    /// <summary>Queues an executed command for the history; never blocks.</summary>
    public void Record(HistoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _pending.Writer.TryWrite((entry, null));
    }

    /// <summary>Completes when every history entry queued before it is stored.</summary>
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _pending.Writer.TryWrite((null, flushed)) ? flushed.Task : Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        lock (_gate)
        {
            _db.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// The history writer: takes what is queued as one batch and stores it in one transaction. It
    /// survives what it calls: a failed write (the database busy past its timeout, a full disk) is
    /// counted and the same batch tried again with backoff, up to <see cref="WriteAttempts"/> times,
    /// then given up (counted in <see cref="HistoryDropped"/>), so the queue never grows without
    /// bound behind a dead writer; a throwing <see cref="Changed"/> subscriber is counted and the
    /// writer goes on.
    /// </summary>
    private async Task WriteHistoryAsync()
    {
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<HistoryEntry>();
            var flushed = new List<TaskCompletionSource>();
            while (_pending.Reader.TryRead(out var item))
            {
                if (item.Entry is { } entry)
                {
                    batch.Add(entry);
                }
                else
                {
                    flushed.Add(item.Flushed!);
                }
            }

            if (batch.Count > 0 && await StoreAsync(batch).ConfigureAwait(false))
            {
                // Only the history changed: the snapshot keeps its compiled matcher.
                ProfileSnapshot snapshot;
                lock (_gate)
                {
                    _history.Append(batch);
                    snapshot = Current.WithHistory(_history.View);
                    Volatile.Write(ref _current, snapshot);
                }

                try
                {
                    Changed?.Invoke(snapshot);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _writerErrors);
                }
            }

            flushed.ForEach(f => f.TrySetResult());
        }
    }

    private async Task<bool> StoreAsync(List<HistoryEntry> batch)
    {
        var delay = _retryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                lock (_gate)
                {
                    using var transaction = _db.BeginTransaction();
                    batch.ForEach(entry => InsertHistory(transaction, entry));
                    Execute(transaction, $"DELETE FROM history WHERE id <= (SELECT MAX(id) FROM history) - {HistoryCapacity}");
                    transaction.Commit();
                }

                return true;
            }
            catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
            {
                Interlocked.Increment(ref _writerErrors);
                if (attempt == WriteAttempts)
                {
                    Interlocked.Add(ref _historyDropped, batch.Count);
                    return false;
                }
            }

            await Task.Delay(delay).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private static void Validate(ProfileData data)
    {
        foreach (var contact in data.Contacts)
        {
            if (string.IsNullOrWhiteSpace(contact.Name))
            {
                throw new InvalidDataException("every contact needs a name");
            }
        }

        foreach (var place in data.Places)
        {
            if (string.IsNullOrWhiteSpace(place.Name) || string.IsNullOrWhiteSpace(place.Address))
            {
                throw new InvalidDataException("every place needs a name and an address");
            }
        }
    }

    private void Reload()
    {
        ProfileSnapshot snapshot;
        lock (_gate)
        {
            snapshot = new ProfileSnapshot(Load());
            Volatile.Write(ref _current, snapshot);
        }

        Changed?.Invoke(snapshot);
    }

    private ProfileData Load()
    {
        var owner = Query("SELECT json FROM owner", r => JsonSerializer.Deserialize(r.GetString(0), ProfileJson.Default.OwnerData)!).FirstOrDefault() ?? new OwnerData();
        var contacts = Query("SELECT json FROM contacts ORDER BY id", r => JsonSerializer.Deserialize(r.GetString(0), ProfileJson.Default.ContactData)!);
        var places = Query("SELECT json FROM places ORDER BY name", r => JsonSerializer.Deserialize(r.GetString(0), ProfileJson.Default.PlaceData)!);
        var preferences = Query("SELECT key, value FROM preferences ORDER BY key", r => KeyValuePair.Create(r.GetString(0), r.GetString(1))).ToDictionary();
        var history = Query("SELECT time, intent, slots, latitude, longitude FROM history ORDER BY id", r => new HistoryEntry
        {
            Time = DateTimeOffset.Parse(r.GetString(0), System.Globalization.CultureInfo.InvariantCulture),
            Intent = r.GetString(1),
            Slots = JsonSerializer.Deserialize(r.GetString(2), ProfileJson.Default.DictionaryStringString) ?? [],
            Latitude = r.IsDBNull(3) ? null : r.GetDouble(3),
            Longitude = r.IsDBNull(4) ? null : r.GetDouble(4),
        });
        _history = new HistoryLog(history, HistoryCapacity);
        return new ProfileData { Owner = owner, Contacts = contacts, Places = places, Preferences = preferences, History = _history.View };
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read)
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private void InsertHistory(SqliteTransaction transaction, HistoryEntry entry) =>
        Insert(
            transaction,
            "INSERT INTO history(time, intent, slots, latitude, longitude) VALUES ($a, $b, $c, $d, $e)",
            entry.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            entry.Intent,
            JsonSerializer.Serialize(entry.Slots.ToDictionary(), ProfileJson.Default.DictionaryStringString),
            entry.Latitude,
            entry.Longitude);

    private void Execute(SqliteTransaction? transaction, string sql)
    {
        using var command = _db.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void Insert(SqliteTransaction? transaction, string sql, params object?[] values)
    {
        using var command = _db.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue("$" + (char)('a' + i), values[i] ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }
}
