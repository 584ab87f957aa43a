using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Telemetry;

namespace Vehicle.Runtime.Tests;

[Collection(UnderstanderGroup.Name)]
public sealed class TelemetryTests(UnderstanderFixture fixture)
{
    [Fact]
    public void Understand_EmitsStageSpansAndLatencyMetric()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = ListenTo(spans);

        var durations = new ConcurrentQueue<(double Value, string? Route)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeTelemetry.Name && instrument.Name == "vehicle.nlu.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            durations.Enqueue((value, tags.ToArray().FirstOrDefault(t => t.Key == "route").Value as string)));
        meters.Start();

        var result = fixture.Understander.Understand("close the sunroof please, it is getting cold");

        var root = Assert.Single(spans, s => s.OperationName == "understand" && s.Parent is null && s.GetTagItem("intent") as string == result.Intent);
        var children = spans.Where(s => s.ParentSpanId == root.SpanId).Select(s => s.OperationName).ToList();
        Assert.Equal(["tokenize", "encode", "classify", "slots"], children);
        Assert.Contains(durations, d => d.Value > 0 && d.Route == "onboard");
    }

    [Fact]
    public async Task Submit_EmitsRequestSpansOutcomeCountersAndQueueDepth()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = ListenTo(spans);
        var outcomes = new ConcurrentQueue<string?>();
        var depths = new ConcurrentQueue<string?>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeTelemetry.Name && instrument.Name is "vehicle.command.outcomes" or "vehicle.command.queue_depth")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) => outcomes.Enqueue(tags.ToArray().FirstOrDefault(t => t.Key == "outcome").Value as string));
        meters.SetMeasurementEventCallback<int>((_, _, tags, _) => depths.Enqueue(tags.ToArray().FirstOrDefault(t => t.Key == "lane").Value as string));
        meters.Start();

        await using (var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore()))
        {
            await channel.SubmitAsync("close the sunroof", Seat.Driver);
            meters.RecordObservableInstruments();
        }

        var command = Assert.Single(spans, s => s.OperationName == "command" && s.GetTagItem("outcome") as string == "executed" && s.GetTagItem("lane") as string == "critical");
        var children = spans.Where(s => s.ParentSpanId == command.SpanId).Select(s => s.OperationName).ToHashSet();
        Assert.Superset(new HashSet<string> { "queue", "understand", "policy", "actuate" }, children);
        Assert.Contains("executed", outcomes);
        Assert.Contains("critical", depths);
    }

    [Fact]
    public async Task TwoCars_EachReportsOnItsOwnMeter_DisposingOneLeavesTheOthersGauge()
    {
        var outcomes = new ConcurrentQueue<object?>();
        var depths = new ConcurrentQueue<object?>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeTelemetry.Name && instrument.Name is "vehicle.command.outcomes" or "vehicle.command.queue_depth")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, _, _, _) => outcomes.Enqueue(instrument.Meter.Scope));
        meters.SetMeasurementEventCallback<int>((instrument, _, _, _) => depths.Enqueue(instrument.Meter.Scope));
        meters.Start();

        await using var first = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore());
        var second = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore());

        // The second car goes away: the first one's gauge still reports, on its own meter.
        await second.DisposeAsync();
        meters.RecordObservableInstruments();
        Assert.Contains(depths, scope => ReferenceEquals(scope, first));
        Assert.DoesNotContain(depths, scope => ReferenceEquals(scope, second));

        // Requests to the first car count on the first car's meter only (disposing drains the lanes,
        // so every outcome is recorded). Each car sent two warm-up requests through its lanes.
        for (var i = 0; i < 3; i++)
        {
            await first.SubmitAsync("close the sunroof", Seat.Driver);
        }

        await first.DisposeAsync();
        Assert.Equal(5, outcomes.Count(scope => ReferenceEquals(scope, first)));
        Assert.Equal(2, outcomes.Count(scope => ReferenceEquals(scope, second)));
        Assert.Equal(7, outcomes.Count);
    }

    private static ActivityListener ListenTo(ConcurrentQueue<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RuntimeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
