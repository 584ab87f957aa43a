using System.Globalization;

namespace Vehicle.Runtime.Privacy;

/// <summary>What a habit is about.</summary>
public enum HabitKind
{
    /// <summary>The usual destination at this time on this kind of day.</summary>
    Destination,

    /// <summary>The usual cabin temperature set at the start of a drive.</summary>
    StartTemperature,

    /// <summary>A call made at about this time on this day of the week.</summary>
    RecurringCall,
}

/// <summary>A habit learned from the history.</summary>
/// <param name="Kind">What it is about.</param>
/// <param name="Utterance">The command it would run, in words (it goes through the channel like a spoken one).</param>
/// <param name="Subject">What it is about, as said: the destination, the contact, the temperature ("work", "mom", "21").</param>
/// <param name="Days">The days it applies to.</param>
/// <param name="TimeOfDay">Its usual time (null: at the start of any drive).</param>
/// <param name="Occurrences">How often the history shows it.</param>
public sealed record Habit(HabitKind Kind, string Utterance, string Subject, IReadOnlySet<DayOfWeek> Days, TimeSpan? TimeOfDay, int Occurrences);

/// <summary>
/// Learns simple habits from the executed-command history, on board: the usual destination on
/// weekday (or weekend) mornings and evenings, the temperature usually set at the start of a
/// drive, a call made at about the same time on the same weekday. A habit needs at least
/// <see cref="MinimumOccurrences"/> occurrences on different days, and must be what the driver did
/// in most of the comparable moments.
/// </summary>
public static class HabitLearner
{
    /// <summary>Fewest days a habit must have been seen on.</summary>
    public const int MinimumOccurrences = 3;

    /// <summary>How far from its usual time an occurrence still counts.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(45);

    /// <summary>A gap in the history this long starts a new drive.</summary>
    public static readonly TimeSpan DriveGap = TimeSpan.FromMinutes(30);

    private static readonly HashSet<DayOfWeek> Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];
    private static readonly HashSet<DayOfWeek> Weekend = [DayOfWeek.Saturday, DayOfWeek.Sunday];

    /// <summary>The habits in <paramref name="history"/>.</summary>
    public static IReadOnlyList<Habit> Learn(IReadOnlyList<HistoryEntry> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var habits = new List<Habit>();
        var trips = history.Where(h => h.Intent == "nav.navigate" && h.Slots.ContainsKey("destination")).ToList();
        foreach (var days in new[] { Weekdays, Weekend })
        {
            var onDays = trips.Where(h => days.Contains(h.Time.DayOfWeek)).ToList();
            foreach (var group in onDays.GroupBy(h => h.Slots["destination"], StringComparer.OrdinalIgnoreCase))
            {
                if (Cluster(group.ToList(), onDays) is { } cluster)
                {
                    var destination = group.Key;
                    habits.Add(new Habit(HabitKind.Destination, $"navigate to {destination}", destination, days, cluster.Time, cluster.Count));
                }
            }
        }

        var calls = history.Where(h => h.Intent == "phone.call" && h.Slots.ContainsKey("contact")).ToList();
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            var onDay = calls.Where(h => h.Time.DayOfWeek == day).ToList();
            foreach (var group in onDay.GroupBy(h => h.Slots["contact"], StringComparer.OrdinalIgnoreCase))
            {
                if (Cluster(group.ToList(), onDay) is { } cluster)
                {
                    habits.Add(new Habit(HabitKind.RecurringCall, $"call {group.Key}", group.Key, new HashSet<DayOfWeek> { day }, cluster.Time, cluster.Count));
                }
            }
        }

        if (StartTemperature(history) is { } start)
        {
            habits.Add(start);
        }

        return habits;
    }

    /// <summary>The usual temperature set within ten minutes of a drive's first command.</summary>
    private static Habit? StartTemperature(IReadOnlyList<HistoryEntry> history)
    {
        var values = new List<(DateOnly Day, double Value)>();
        DateTimeOffset? driveStart = null;
        DateTimeOffset? previous = null;
        foreach (var entry in history.OrderBy(h => h.Time))
        {
            if (previous is null || entry.Time - previous > DriveGap)
            {
                driveStart = entry.Time;
            }

            previous = entry.Time;
            if (entry.Intent == "climate.set_temperature" && entry.Time - driveStart <= TimeSpan.FromMinutes(10)
                && entry.Slots.TryGetValue("temperature", out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values.Add((DateOnly.FromDateTime(entry.Time.DateTime), value));
            }
        }

        if (values.Select(v => v.Day).Distinct().Count() < MinimumOccurrences)
        {
            return null;
        }

        var sorted = values.Select(v => v.Value).Order().ToList();
        var median = sorted[sorted.Count / 2];
        var agreeing = sorted.Count(v => Math.Abs(v - median) <= 0.5);
        if (agreeing * 2 <= sorted.Count)
        {
            return null;
        }

        var degrees = median.ToString("0.#", CultureInfo.InvariantCulture);
        return new Habit(HabitKind.StartTemperature, $"set the temperature to {degrees} degrees", degrees, Weekdays.Concat(Weekend).ToHashSet(), null, agreeing);
    }

    /// <summary>
    /// The usual time of <paramref name="occurrences"/>: the median time of day, when at least
    /// <see cref="MinimumOccurrences"/> distinct days fall within <see cref="Window"/> of it and
    /// they are most of what the driver did around then (<paramref name="comparable"/>).
    /// </summary>
    private static (TimeSpan Time, int Count)? Cluster(List<HistoryEntry> occurrences, List<HistoryEntry> comparable)
    {
        if (occurrences.Count < MinimumOccurrences)
        {
            return null;
        }

        var times = occurrences.Select(h => h.Time.TimeOfDay).Order().ToList();
        var median = times[times.Count / 2];
        var near = occurrences.Where(h => Near(h.Time.TimeOfDay, median)).ToList();
        var days = near.Select(h => DateOnly.FromDateTime(h.Time.DateTime)).Distinct().Count();
        var others = comparable.Count(h => Near(h.Time.TimeOfDay, median));
        return days >= MinimumOccurrences && near.Count * 2 > others ? (TimeSpan.FromMinutes(Math.Round(near.Average(h => h.Time.TimeOfDay.TotalMinutes))), days) : null;
    }

    private static bool Near(TimeSpan a, TimeSpan b) => (a - b).Duration() <= Window;
}
