using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Tests;

public sealed class HistoryLogTests
{
    private static HistoryEntry Entry(int i) => new() { Time = DateTimeOffset.UnixEpoch.AddMinutes(i), Intent = "i" + i };

    private static int[] Numbers(IReadOnlyList<HistoryEntry> view) => [.. view.Select(e => int.Parse(e.Intent[1..], System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public void AView_KeepsWhatItSaw_WhileTheLogAppendsDropsAndCompacts()
    {
        var log = new HistoryLog(Enumerable.Range(0, 5).Select(Entry), capacity: 20);
        var early = log.View;
        var views = new List<(IReadOnlyList<HistoryEntry> View, int[] Expected)> { (early, [0, 1, 2, 3, 4]) };
        for (var i = 5; i < 200; i++)
        {
            log.Append([Entry(i)]);
            if (i % 7 == 0)
            {
                views.Add((log.View, [.. Enumerable.Range(Math.Max(0, i - 19), Math.Min(i + 1, 20))]));
            }
        }

        Assert.Equal(Enumerable.Range(180, 20), Numbers(log.View));
        foreach (var (view, expected) in views)
        {
            Assert.Equal(expected, Numbers(view)); // through the enumerator
            Assert.Equal(expected, Enumerable.Range(0, view.Count).Select(i => Numbers([view[i]])[0])); // and the indexer
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => early[5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => early[-1]);
    }

    [Fact]
    public void Loading_MoreThanTheCapacity_KeepsTheNewest()
    {
        var log = new HistoryLog(Enumerable.Range(0, 50).Select(Entry), capacity: 8);
        Assert.Equal(Enumerable.Range(42, 8), Numbers(log.View));
        Assert.Empty(new HistoryLog([], 8).View);
    }
}
