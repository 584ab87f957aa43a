using System.Globalization;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Responses;

namespace Vehicle.Runtime.Privacy;

/// <summary>A suggestion offered to the driver.</summary>
/// <param name="Habit">The habit behind it.</param>
/// <param name="Text">What is said ("It's 8:05. Navigate to work?").</param>
public sealed record Suggestion(Habit Habit, string Text);

/// <summary>
/// Offers learned habits at the right moment, on board only: a timed habit within
/// <see cref="OfferWindow"/> of its usual time on one of its days, the start-of-drive temperature
/// when a drive starts; each habit at most once a day, never when the driver already did it today,
/// never when the <c>suggestions</c> preference is off. An offer is never acted on by itself: only
/// a following "yes" turns it into a command (which then goes through the command channel and
/// its policy like any other); anything else withdraws it.
/// </summary>
public sealed class Suggestions(IPersonalProfile profile, TimeProvider time, ResponseTable? responses = null)
{
    private readonly ResponseTable _responses = responses ?? new ResponseTable();

    /// <summary>How far from a habit's usual time it is offered.</summary>
    public static readonly TimeSpan OfferWindow = TimeSpan.FromMinutes(15);

    private readonly HashSet<(string Utterance, DateOnly Day)> _offered = [];
    private IReadOnlyList<HistoryEntry>? _learnedFrom;
    private IReadOnlyList<Habit> _habits = [];

    /// <summary>The offer waiting for an answer, if any.</summary>
    public Suggestion? Pending { get; private set; }

    /// <summary>A suggestion to offer now, or null; <paramref name="driveStarted"/> when a drive has just begun.</summary>
    public Suggestion? Due(bool driveStarted)
    {
        var snapshot = profile.Current;
        if (!snapshot.SuggestionsEnabled)
        {
            return null;
        }

        if (!ReferenceEquals(_learnedFrom, snapshot.Data.History))
        {
            _learnedFrom = snapshot.Data.History;
            _habits = HabitLearner.Learn(snapshot.Data.History);
        }

        var now = time.GetLocalNow();
        var today = DateOnly.FromDateTime(now.DateTime);
        foreach (var habit in _habits)
        {
            var timely = habit.TimeOfDay is { } at
                ? habit.Days.Contains(now.DayOfWeek) && (now.TimeOfDay - at).Duration() <= OfferWindow
                : driveStarted;
            if (!timely || _offered.Contains((habit.Utterance, today)) || DoneToday(snapshot, habit, today))
            {
                continue;
            }

            _offered.Add((habit.Utterance, today));
            var offer = Offer(habit);
            var text = habit.TimeOfDay is null ? offer : ResponseTable.Format(ResponseTable.Format(_responses.OfferAtTime, "time", now.ToString("H:mm", CultureInfo.InvariantCulture)), "offer", offer);
            Pending = new Suggestion(habit, text);
            return Pending;
        }

        return null;
    }

    /// <summary>The question that offers <paramref name="habit"/>, from the response table ("Navigate to work?").</summary>
    public string Offer(Habit habit)
    {
        ArgumentNullException.ThrowIfNull(habit);
        return habit.Kind switch
        {
            HabitKind.Destination => ResponseTable.Format(_responses.OfferNavigate, "destination", habit.Subject),
            HabitKind.RecurringCall => ResponseTable.Format(_responses.OfferCall, "contact", habit.Subject),
            _ => ResponseTable.Format(_responses.OfferTemperature, "degrees", habit.Subject),
        };
    }

    /// <summary>
    /// The driver's next words while an offer is pending: "yes" gives the command to run; "no"
    /// gives null and consumes the words (<paramref name="consumed"/>); anything else withdraws the
    /// offer and leaves the words to the command channel.
    /// </summary>
    public string? Answer(string utterance, out bool consumed)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        var pending = Pending;
        Pending = null;
        consumed = false;
        if (pending is null)
        {
            return null;
        }

        if (YesNo.IsYes(utterance))
        {
            consumed = true;
            return pending.Habit.Utterance;
        }

        consumed = YesNo.IsNo(utterance);
        return null;
    }

    private static bool DoneToday(ProfileSnapshot snapshot, Habit habit, DateOnly today) =>
        snapshot.Data.History.Any(h => DateOnly.FromDateTime(h.Time.DateTime) == today && habit.Kind switch
        {
            HabitKind.Destination => h.Intent == "nav.navigate",
            HabitKind.RecurringCall => h.Intent == "phone.call" && habit.Utterance.EndsWith(h.Slots.GetValueOrDefault("contact") ?? "\0", StringComparison.OrdinalIgnoreCase),
            _ => h.Intent == "climate.set_temperature",
        });
}
