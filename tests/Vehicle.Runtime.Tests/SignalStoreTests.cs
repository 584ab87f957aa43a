using Microsoft.Extensions.Time.Testing;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

public sealed class SignalStoreTests
{
    private const string Window = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position";

    [Fact]
    public void ShippedSignals_LoadWithInitialValues()
    {
        var store = ChannelTestKit.NewStore();
        Assert.Equal(0, store.Get("Vehicle.Speed").Number);
        Assert.Equal(true, store.Get("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked").Boolean);
        Assert.Equal("UNKNOWN", store.Get("Vehicle.Cabin.Infotainment.Media.Action").Text);
        Assert.Equal(SignalType.Whole, store.Find(Window)!.Type);
    }

    [Theory]
    [InlineData(Window, 50.4, null, 50.0)]
    [InlineData(Window, 101.0, "outside", 0.0)]
    [InlineData(Window, -1.0, "outside", 0.0)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 21.5, null, 21.5)]
    public void Set_Numbers_CheckedAgainstRange(string path, double value, string? error, double stored)
    {
        var store = ChannelTestKit.NewStore();
        var result = store.Set(path, SignalValue.Of(value), "test");
        if (error is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(error, result, StringComparison.Ordinal);
        }

        Assert.Equal(error is null ? stored : store.Find(path)!.Initial.Number, store.Get(path).Number);
    }

    [Fact]
    public void Set_WrongTypeUnknownSignalOrEnumValue_Refused()
    {
        var store = ChannelTestKit.NewStore();
        Assert.NotNull(store.Set(Window, SignalValue.Of(true), "test"));
        Assert.NotNull(store.Set("Vehicle.Nope", SignalValue.Of(1), "test"));
        Assert.NotNull(store.Set("Vehicle.Cabin.Infotainment.Media.Action", SignalValue.Of("DANCE"), "test"));
        Assert.Null(store.Set("Vehicle.Cabin.Infotainment.Media.Action", SignalValue.Of("PLAY"), "test"));
        Assert.Throws<KeyNotFoundException>(() => store.Get("Vehicle.Nope"));
    }

    [Fact]
    public void Subscribe_PrefixAndOrder_ChangesOnlyOnChange()
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        using var doors = store.Subscribe("Vehicle.Cabin.Door.");

        store.Set(Window, SignalValue.Of(10), "test");
        store.Set(Window, SignalValue.Of(10), "test"); // same value: no change
        store.Set("Vehicle.Speed", SignalValue.Of(50), "test"); // other prefix
        time.Advance(TimeSpan.FromSeconds(1));
        store.Set(Window, SignalValue.Of(20), "simulator");

        Assert.True(doors.Changes.TryRead(out var first));
        Assert.Equal((Window, 0.0, 10.0, "test"), (first.Path, first.Previous.Number!.Value, first.Value.Number!.Value, first.Source));
        Assert.True(doors.Changes.TryRead(out var second));
        Assert.Equal((20.0, "simulator", time.GetUtcNow()), (second.Value.Number!.Value, second.Source, second.Timestamp));
        Assert.False(doors.Changes.TryRead(out _));
    }

    [Fact]
    public void Subscribe_SlowReader_OldestDroppedWriterNeverBlocks()
    {
        var store = ChannelTestKit.NewStore();
        using var subscription = store.Subscribe(capacity: 2);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Null(store.Set(Window, SignalValue.Of(i), "test"));
        }

        Assert.True(subscription.Changes.TryRead(out var a));
        Assert.True(subscription.Changes.TryRead(out var b));
        Assert.Equal([4.0, 5.0], new[] { a.Value.Number!.Value, b.Value.Number!.Value });
    }

    [Fact]
    public void Subscription_Disposed_Completes()
    {
        var store = ChannelTestKit.NewStore();
        var subscription = store.Subscribe();
        subscription.Dispose();
        store.Set(Window, SignalValue.Of(3), "test");
        Assert.True(subscription.Changes.Completion.IsCompleted);
    }

    [Fact]
    public void Set_ConcurrentWriters_LastValueIsOneOfThemAndNoTearing()
    {
        var store = ChannelTestKit.NewStore();
        Parallel.For(0, 10_000, i => store.Set("Vehicle.Cabin.Infotainment.Media.Played.Track", SignalValue.Of($"track {i % 7}"), "test"));
        Assert.Matches("^track [0-6]$", store.Get("Vehicle.Cabin.Infotainment.Media.Played.Track").Text);
    }

    [Fact]
    public void LoadDefinitions_BadFile_NamesTheSignal()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".yaml");
        File.WriteAllText(path, "signals:\n  Vehicle.Speed: {type: float, min: 0, max: 10, initial: 20}\n");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => SignalStore.LoadDefinitions(path));
            Assert.Contains("Vehicle.Speed", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Catalog_EveryActuationAndAnswerSignal_ExistsWithAFittingType()
    {
        var store = ChannelTestKit.NewStore();
        foreach (var intent in TestData.Catalog.Intents)
        {
            foreach (var actuation in intent.Actuations)
            {
                foreach (var path in Expand(actuation.Signal, intent))
                {
                    Assert.True(store.Find(path) is not null, $"{intent.Name} writes {path}, which signals.yaml lacks");
                }
            }

            foreach (var answer in intent.Answers)
            {
                Assert.True(store.Find(answer.Signal) is not null, $"{intent.Name} reads {answer.Signal}");
            }

            foreach (var precondition in intent.Preconditions.Where(p => p.Signal is not null))
            {
                Assert.True(store.Find(precondition.Signal!) is not null, $"{intent.Name} checks {precondition.Signal}");
            }
        }
    }

    private static IEnumerable<string> Expand(string template, Runtime.Catalog.IntentDefinition intent)
    {
        var open = template.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return [template];
        }

        var close = template.IndexOf('}', open);
        var slot = intent.Slots.Single(s => s.Name == template[(open + 1)..close]);
        return slot.Values.SelectMany(v => slot.PathSegments.TryGetValue(v, out var segments) ? segments : [v])
            .Distinct()
            .SelectMany(segment => Expand(template[..open] + segment + template[(close + 1)..], intent));
    }
}
