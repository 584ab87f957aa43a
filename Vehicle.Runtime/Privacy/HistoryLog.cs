using System.Collections;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// The executed-command history as the profile's snapshots see it: one append-only buffer that every
/// snapshot shares, each seeing the entries that were there when it was taken (appends land past the
/// end of every view, so a view never changes). Appending is amortised O(1): the oldest entries past
/// the capacity are dropped by copying the kept ones into a fresh buffer once per capacity's worth of
/// appends. (Copying the whole history for every stored command made the garbage, and the peak RSS
/// of a long batch, grow with the history: 20,000 entries copied per command.)
/// </summary>
internal sealed class HistoryLog
{
    private readonly int _capacity;
    private HistoryEntry[] _buffer;
    private int _start;
    private int _end;

    /// <summary>A log holding the last <paramref name="capacity"/> of <paramref name="entries"/>.</summary>
    public HistoryLog(IEnumerable<HistoryEntry> entries, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _buffer = [];
        Append(entries);
    }

    /// <summary>Everything kept now. Appends after this call do not show in it.</summary>
    public IReadOnlyList<HistoryEntry> View => new Window(_buffer, _start, _end - _start);

    /// <summary>Appends in order, dropping the oldest past the capacity. One writer at a time (the caller's lock).</summary>
    public void Append(IEnumerable<HistoryEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (_end == _buffer.Length)
            {
                Compact();
            }

            _buffer[_end++] = entry;
            if (_end - _start > _capacity)
            {
                _start++;
            }
        }
    }

    // A fresh buffer (views over the old one stay as they are) with room to append: it doubles while the
    // history is short, and is twice the capacity once it is full.
    private void Compact()
    {
        var kept = _end - _start;
        var next = new HistoryEntry[Math.Min(Math.Max(kept * 2, 16), 2 * _capacity)];
        Array.Copy(_buffer, _start, next, 0, kept);
        _buffer = next;
        _start = 0;
        _end = kept;
    }

    private sealed class Window(HistoryEntry[] buffer, int start, int count) : IReadOnlyList<HistoryEntry>
    {
        public int Count => count;

        public HistoryEntry this[int index] => (uint)index < (uint)count ? buffer[start + index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<HistoryEntry> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return buffer[start + i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
