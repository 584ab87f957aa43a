using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Tests;

/// <summary>Habits learned from three synthetic weeks of history, and when they are offered.</summary>
public sealed class PrivacyHabitTests
{
    // Monday 2 November 2026; the history covers the three weeks before Monday 23 November.
    private static readonly DateTimeOffset FirstMonday = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NextMonday = FirstMonday.AddDays(21);

    // The offers' words come from the response table (English by default).
    private static readonly Suggestions Offers = new(new FixedProfile(new ProfileData()), TimeProvider.System);

    [Fact]
    public void Learn_ThreeWeeks_FindsExactlyTheCommuteTheFridayCallAndTheStartTemperature()
    {
        var habits = HabitLearner.Learn(History());

        Assert.Equal(3, habits.Count);
        var commute = Assert.Single(habits, h => h.Kind == HabitKind.Destination);
        Assert.Equal(("navigate to work", "Navigate to work?"), (commute.Utterance, Offers.Offer(commute)));
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], commute.Days.Order());
        Assert.Equal(TimeSpan.FromHours(8), commute.TimeOfDay);
        Assert.Equal(15, commute.Occurrences);

        var call = Assert.Single(habits, h => h.Kind == HabitKind.RecurringCall);
        Assert.Equal(("call mom", "Call mom?"), (call.Utterance, Offers.Offer(call)));
        Assert.Equal([DayOfWeek.Friday], call.Days);
        Assert.Equal(new TimeSpan(17, 30, 0), call.TimeOfDay);
        Assert.Equal(3, call.Occurrences);

        var temperature = Assert.Single(habits, h => h.Kind == HabitKind.StartTemperature);
        Assert.Equal("set the temperature to 21 degrees", temperature.Utterance);
        Assert.Equal("Set the temperature to 21 degrees, as usual?", Offers.Offer(temperature));
        Assert.Null(temperature.TimeOfDay);
        Assert.Equal(7, temperature.Days.Count);
    }

    [Fact]
    public void Learn_TwoOccurrences_NoHabit()
    {
        var history = History().Where(h => !(h.Intent == "phone.call" && h.Time < FirstMonday.AddDays(7))).ToList();

        Assert.DoesNotContain(HabitLearner.Learn(history), h => h.Kind == HabitKind.RecurringCall);
    }

    [Fact]
    public void Learn_DestinationNotWhatTheDriverUsuallyDoesThen_NoHabit()
    {
        // Three weekday mornings to work, but ten to the gym at the same time: work is no habit.
        var history = History().Where(h => h.Intent != "nav.navigate").ToList();
        for (var day = 0; day < 3; day++)
        {
            history.Add(Entry(FirstMonday.AddDays(day).AddHours(8), "nav.navigate", ("destination", "work")));
        }

        for (var day = 7; day < 19; day++)
        {
            if (FirstMonday.AddDays(day).DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                history.Add(Entry(FirstMonday.AddDays(day).AddHours(8).AddMinutes(5), "nav.navigate", ("destination", "the gym")));
            }
        }

        var habits = HabitLearner.Learn([.. history.OrderBy(h => h.Time)]);

        Assert.DoesNotContain(habits, h => h.Utterance == "navigate to work");
        Assert.Contains(habits, h => h.Utterance == "navigate to the gym");
    }

    [Fact]
    public void Due_WeekdayAt0805_OffersTheCommuteOnceWithTheTime()
    {
        var (suggestions, time, _) = Start(NextMonday.AddHours(8).AddMinutes(5));

        var offer = suggestions.Due(driveStarted: false);

        Assert.NotNull(offer);
        Assert.Equal("It's 8:05. Navigate to work?", offer.Text);
        Assert.Same(offer, suggestions.Pending);

        // Not twice the same day, not even after the answer.
        suggestions.Answer("no", out _);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(suggestions.Due(driveStarted: false));

        // The next weekday it is offered again.
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal("It's 8:07. Navigate to work?", suggestions.Due(driveStarted: false)?.Text);
    }

    [Theory]
    [InlineData(0, 11, 0)] // Monday late morning
    [InlineData(0, 7, 40)] // too early: more than 15 minutes before 8:00
    [InlineData(0, 8, 16)] // too late
    [InlineData(5, 8, 5)] // Saturday
    [InlineData(6, 8, 5)] // Sunday
    [InlineData(4, 11, 0)] // Friday, neither the commute nor the call
    public void Due_OutsideAHabitsTimeOrDays_Nothing(int day, int hour, int minute)
    {
        var (suggestions, _, _) = Start(NextMonday.AddDays(day).AddHours(hour).AddMinutes(minute));

        Assert.Null(suggestions.Due(driveStarted: false));
        Assert.Null(suggestions.Pending);
    }

    [Fact]
    public void Due_FridayAt1735_OffersTheCall()
    {
        var (suggestions, _, _) = Start(NextMonday.AddDays(4).AddHours(17).AddMinutes(35));

        Assert.Equal("It's 17:35. Call mom?", suggestions.Due(driveStarted: false)?.Text);
    }

    [Fact]
    public void Due_WorkNavigationAlreadyDoneToday_NotOffered()
    {
        var history = History();
        history.Add(Entry(NextMonday.AddHours(7).AddMinutes(50), "nav.navigate", ("destination", "work")));
        var (suggestions, _, _) = Start(NextMonday.AddHours(8).AddMinutes(5), history);

        Assert.Null(suggestions.Due(driveStarted: false));
    }

    [Fact]
    public void Due_SuggestionsTurnedOff_Nothing()
    {
        var (suggestions, _, profile) = Start(NextMonday.AddHours(8).AddMinutes(5));
        profile.Current = new ProfileSnapshot(profile.Current.Data with { Preferences = new Dictionary<string, string> { ["suggestions"] = "off" } });

        Assert.Null(suggestions.Due(driveStarted: true));
    }

    [Fact]
    public void Due_DriveStarted_OffersTheUsualTemperatureOnlyThen()
    {
        var (suggestions, _, _) = Start(NextMonday.AddHours(13));

        Assert.Null(suggestions.Due(driveStarted: false));
        Assert.Equal("Set the temperature to 21 degrees, as usual?", suggestions.Due(driveStarted: true)?.Text);
        Assert.Null(suggestions.Due(driveStarted: true));
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("Yes please.")]
    [InlineData("Yes, please.")]
    [InlineData("sure, thanks")]
    [InlineData("go ahead")]
    [InlineData("ok")]
    public void Answer_Yes_TheCommandToRun(string utterance)
    {
        var (suggestions, _, _) = Start(NextMonday.AddHours(8).AddMinutes(5));
        Assert.NotNull(suggestions.Due(driveStarted: false));

        Assert.Equal("navigate to work", suggestions.Answer(utterance, out var consumed));
        Assert.True(consumed);
        Assert.Null(suggestions.Pending);
    }

    [Theory]
    [InlineData("no")]
    [InlineData("No thanks.")]
    [InlineData("not now")]
    [InlineData("never mind")]
    public void Answer_No_ConsumedNothingToRun(string utterance)
    {
        var (suggestions, _, _) = Start(NextMonday.AddHours(8).AddMinutes(5));
        Assert.NotNull(suggestions.Due(driveStarted: false));

        Assert.Null(suggestions.Answer(utterance, out var consumed));
        Assert.True(consumed);
        Assert.Null(suggestions.Pending);
    }

    [Theory]
    [InlineData("what's the weather in munich")]
    [InlineData("yes the weather please")] // "yes" at the start does not make a different request an answer
    [InlineData("no wait, open the window")]
    public void Answer_AnythingElse_WithdrawsTheOfferAndLeavesTheWords(string utterance)
    {
        var (suggestions, _, _) = Start(NextMonday.AddHours(8).AddMinutes(5));
        Assert.NotNull(suggestions.Due(driveStarted: false));

        Assert.Null(suggestions.Answer(utterance, out var consumed));
        Assert.False(consumed);
        Assert.Null(suggestions.Pending);
        Assert.Null(suggestions.Answer("yes", out consumed)); // the offer is gone
        Assert.False(consumed);
    }

    /// <summary>
    /// Three weeks: every weekday at 08:00 ± 10 minutes the drive to work starts with 21 degrees set
    /// two minutes in; three Fridays a call to mom at 17:30; and noise (music, windows, one-off trips
    /// and calls, temperatures set mid-drive).
    /// </summary>
    private static List<HistoryEntry> History()
    {
        int[] drift = [-10, -5, 0, 5, 10];
        var history = new List<HistoryEntry>();
        for (var day = 0; day < 21; day++)
        {
            var date = FirstMonday.AddDays(day);
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                history.Add(Entry(date.AddHours(10).AddMinutes(day * 3), "media.play", ("query", "jazz")));
                continue;
            }

            var leave = date.AddHours(8).AddMinutes(drift[(day + (day / 7)) % drift.Length]);
            history.Add(Entry(leave, "nav.navigate", ("destination", "work")));
            history.Add(Entry(leave.AddMinutes(2), "climate.set_temperature", ("temperature", "21")));
            history.Add(Entry(leave.AddMinutes(20), "media.play", ("query", "news")));
            // Later in the same drive: not a start temperature.
            history.Add(Entry(leave.AddMinutes(25), "climate.set_temperature", ("temperature", day % 2 == 0 ? "23" : "19")));
            if (date.DayOfWeek == DayOfWeek.Friday)
            {
                history.Add(Entry(date.AddHours(17).AddMinutes(30), "phone.call", ("contact", "mom")));
            }
        }

        // One-offs: a trip, calls to others, a window.
        history.Add(Entry(FirstMonday.AddDays(5).AddHours(15), "nav.navigate", ("destination", "the gym")));
        history.Add(Entry(FirstMonday.AddDays(12).AddHours(15), "nav.navigate", ("destination", "the gym")));
        history.Add(Entry(FirstMonday.AddDays(1).AddHours(12), "phone.call", ("contact", "Robert Fischer")));
        history.Add(Entry(FirstMonday.AddDays(8).AddHours(19), "phone.call", ("contact", "Robert Fischer")));
        history.Add(Entry(FirstMonday.AddDays(3).AddHours(18), "window.open", ("window", "driver")));
        return [.. history.OrderBy(h => h.Time)];
    }

    private static HistoryEntry Entry(DateTimeOffset time, string intent, params (string Name, string Value)[] slots) =>
        new() { Time = time, Intent = intent, Slots = slots.ToDictionary(s => s.Name, s => s.Value) };

    private static (Suggestions Suggestions, FakeTimeProvider Time, FixedProfile Profile) Start(DateTimeOffset now, List<HistoryEntry>? history = null)
    {
        var time = new FakeTimeProvider(now);
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        var data = PrivacyCorpus.Profile();
        data.History = history ?? History();
        var profile = new FixedProfile(data);
        Assert.Equal(now.ToString("O", CultureInfo.InvariantCulture), time.GetLocalNow().ToString("O", CultureInfo.InvariantCulture));
        return (new Suggestions(profile, time), time, profile);
    }
}
