namespace Vehicle.Runtime.Privacy;

/// <summary>The on-board profile as the command channel sees it: read without I/O, history appended without blocking.</summary>
public interface IPersonalProfile
{
    /// <summary>The profile now.</summary>
    ProfileSnapshot Current { get; }

    /// <summary>Adds an executed command to the history (queued; never blocks the caller).</summary>
    void Record(HistoryEntry entry);
}
