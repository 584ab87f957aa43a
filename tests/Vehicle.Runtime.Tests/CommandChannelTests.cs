using Microsoft.Extensions.Time.Testing;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

[Collection(UnderstanderGroup.Name)]
public sealed class CommandChannelTests(UnderstanderFixture fixture)
{
    private const string DriverWindow = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position";
    private static readonly string[] Mixed = ["lock the doors", "how far can I go", "who wrote Hamlet"];

    [Fact]
    public async Task Submit_VehicleCommand_ExecutedOnCriticalLaneAndVehicleMoves()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store);

        var outcome = await channel.SubmitAsync("open my window halfway", Seat.Driver);

        Assert.Equal((OutcomeKind.Executed, Lane.Critical), (outcome.Kind, outcome.Lane));
        Assert.Equal([new Actuation(DriverWindow, SignalValue.Of(50))], outcome.Actuations);
        Assert.Equal(50, store.Get(DriverWindow).Number);
        Assert.Equal("Opening the driver window to 50 percent.", outcome.Response);
        Assert.True(outcome.Total >= outcome.QueueWait);
    }

    [Fact]
    public async Task Submit_SpinningCriticalLane_ExecutesAndShutsDown()
    {
        var store = ChannelTestKit.NewStore();
        var channel = ChannelTestKit.Create(fixture, store, options: new CommandChannelOptions { CriticalLaneSpins = true });

        var outcome = await channel.SubmitAsync("open my window halfway", Seat.Driver);
        await channel.DisposeAsync();

        Assert.Equal(OutcomeKind.Executed, outcome.Kind);
        Assert.Equal(50, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task Submit_DeadlinePassesInQueue_DeadlineMissedNeverExecuted()
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        using var actuator = new GatedActuator(store);
        await using var channel = ChannelTestKit.Create(fixture, store, actuator, time: time);

        var first = channel.SubmitAsync("lock the doors", Seat.Driver).AsTask();
        actuator.WaitUntilHeld();
        var second = channel.SubmitAsync("open my window", Seat.Driver).AsTask();

        time.Advance(TimeSpan.FromMilliseconds(60)); // past the 50 ms critical budget of both
        actuator.Release();

        Assert.Equal(OutcomeKind.DeadlineMissed, (await first).Kind);
        var missed = await second;
        Assert.Equal(OutcomeKind.DeadlineMissed, missed.Kind);
        Assert.Empty(missed.Actuations);
        Assert.Equal(0, store.Get(DriverWindow).Number);
        Assert.DoesNotContain(actuator.Applied, a => a.StartsWith(DriverWindow, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submit_DeadlinePassesBetweenTheLastCheckAndTheActuation_DeadlineMissedNotActuated()
    {
        // Once armed (after understanding), every read of the clock moves it 20 ms: the check
        // before planning and the last check before actuating still see the 50 ms deadline ahead,
        // the actuation's own timeout would start 10 ms after it.
        var time = new SteppingTime(TimeSpan.FromMilliseconds(20));
        var store = ChannelTestKit.NewStore(time);
        using var actuator = new GatedActuator(store) { HoldCall = 0 };
        await using var channel = ChannelTestKit.Create(fixture, store, actuator, time: time, afterUnderstanding: time.Arm);

        var outcome = await channel.SubmitAsync("open my window halfway", Seat.Driver).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        time.Disarm();

        Assert.Equal((OutcomeKind.DeadlineMissed, "deadline_missed"), (outcome.Kind, outcome.Reason));
        Assert.Empty(actuator.Applied);
        Assert.Equal(0, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task Submit_ProcessingThrows_FailedOutcomeAndTheLaneServesTheNextRequest()
    {
        var profile = new FaultyProfile();
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(), profile: profile);

        profile.FailReads = true;
        var failed = await channel.SubmitAsync("call mom", Seat.Driver).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        profile.FailReads = false;
        var next = await channel.SubmitAsync("call mom", Seat.Driver).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((OutcomeKind.Failed, "internal: InvalidOperationException"), (failed.Kind, failed.Reason));
        Assert.Equal("Sorry, something went wrong.", failed.Response);
        Assert.Equal(OutcomeKind.Refused, next.Kind); // the lane is alive: an empty profile knows no mom
    }

    [Fact]
    public async Task Submit_HistoryWriterThrowsAfterTheOutcome_TheLaneKeepsServing()
    {
        var profile = new FaultyProfile { FailRecords = true };
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store, profile: profile);

        var first = await channel.SubmitAsync("open my window halfway", Seat.Driver).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var second = await channel.SubmitAsync("close my window", Seat.Driver).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OutcomeKind.Executed, first.Kind);
        Assert.Equal(OutcomeKind.Executed, second.Kind);
        Assert.Equal(0, store.Get(DriverWindow).Number);
        Assert.True(profile.RecordCalls >= 1); // the first write threw, after the first outcome
    }

    [Theory]
    [InlineData(51, OutcomeKind.DeadlineMissed, 0)]
    [InlineData(49, OutcomeKind.Executed, 50)]
    public async Task Submit_TimePassesDuringUnderstanding_ActuatedOnlyBeforeTheDeadline(int understandingMs, OutcomeKind expected, double window)
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        await using var channel = ChannelTestKit.Create(fixture, store, time: time, afterUnderstanding: () => time.Advance(TimeSpan.FromMilliseconds(understandingMs)));

        var outcome = await channel.SubmitAsync("open my window halfway", Seat.Driver);

        Assert.Equal(expected, outcome.Kind);
        Assert.Equal("window.open", outcome.Understanding?.Intent);
        Assert.Equal(TimeSpan.FromMilliseconds(understandingMs), outcome.Total);
        Assert.Equal(window, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task Submit_LaneFull_RejectedAtOnce()
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        using var actuator = new GatedActuator(store);
        await using var channel = ChannelTestKit.Create(fixture, store, actuator, new CommandChannelOptions { CriticalCapacity = 2 }, time);

        var running = channel.SubmitAsync("lock the doors", Seat.Driver).AsTask();
        actuator.WaitUntilHeld();
        var queued = new[] { channel.SubmitAsync("turn on the AC", Seat.Driver).AsTask(), channel.SubmitAsync("turn on the dome light", Seat.Driver).AsTask() };
        var submit = channel.SubmitAsync("open the trunk", Seat.Driver);
        var answeredAtOnce = submit.IsCompletedSuccessfully;
        actuator.Release();
        var rejected = await submit;

        Assert.True(answeredAtOnce, "a full lane answers at once");
        Assert.Equal(OutcomeKind.Rejected, rejected.Kind);
        Assert.StartsWith("queue_full", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Executed, (await running).Kind);
        Assert.All(await Task.WhenAll(queued), o => Assert.Equal(OutcomeKind.Executed, o.Kind));
    }

    [Fact]
    public async Task Submit_RecentServiceTimesTooSlow_RejectedAsUnmeetable()
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        using var actuator = new GatedActuator(store) { HoldCall = 2 };
        var slow = true;
        await using var channel = ChannelTestKit.Create(fixture, store, actuator, time: time, afterUnderstanding: () =>
        {
            if (slow)
            {
                time.Advance(TimeSpan.FromMilliseconds(30));
            }
        });

        // One request that took 30 ms teaches the lane its service time.
        Assert.Equal(OutcomeKind.Executed, (await channel.SubmitAsync("lock the doors", Seat.Driver)).Kind);
        slow = false;

        // With one request in progress, the next would finish at ~60 ms: past its 50 ms deadline.
        var busy = channel.SubmitAsync("turn on the AC", Seat.Driver).AsTask();
        actuator.WaitUntilHeld();
        var submit = channel.SubmitAsync("turn off the AC", Seat.Driver);
        var answeredAtOnce = submit.IsCompletedSuccessfully;
        actuator.Release();
        var doomed = await submit;

        Assert.True(answeredAtOnce, "doomed work is answered at once");
        Assert.Equal(OutcomeKind.Rejected, doomed.Kind);
        Assert.StartsWith("deadline_unmeetable", doomed.Reason, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Executed, (await busy).Kind);
    }

    [Fact]
    public async Task Submit_IdleLaneAfterSlowRequest_StillAdmitted()
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        var slow = true;
        await using var channel = ChannelTestKit.Create(fixture, store, time: time, afterUnderstanding: () =>
        {
            if (slow)
            {
                time.Advance(TimeSpan.FromMilliseconds(80));
            }
        });

        Assert.Equal(OutcomeKind.DeadlineMissed, (await channel.SubmitAsync("lock the doors", Seat.Driver)).Kind);
        slow = false;

        // The lane learnt 80 ms per request, but nothing is waiting: it starts at once.
        Assert.Equal(OutcomeKind.Executed, (await channel.SubmitAsync("open my window halfway", Seat.Driver)).Kind);
    }

    [Fact]
    public async Task Submit_QueuedRequests_RunEarliestDeadlineFirst()
    {
        var time = new FakeTimeProvider();
        var store = ChannelTestKit.NewStore(time);
        using var actuator = new GatedActuator(store);
        await using var channel = ChannelTestKit.Create(fixture, store, actuator, time: time);

        var blocker = channel.SubmitAsync(new CommandRequest("open my window", Budget: TimeSpan.FromSeconds(60))).AsTask();
        actuator.WaitUntilHeld();
        var late = channel.SubmitAsync(new CommandRequest("lock the doors", Budget: TimeSpan.FromSeconds(5))).AsTask();
        var early = channel.SubmitAsync(new CommandRequest("turn on the AC", Budget: TimeSpan.FromSeconds(1))).AsTask();
        var middle = channel.SubmitAsync(new CommandRequest("turn on the dome light", Budget: TimeSpan.FromSeconds(3))).AsTask();
        actuator.Release();
        await Task.WhenAll(blocker, late, early, middle);

        Assert.Equal(
            ["Vehicle.Cabin.Door.Row1.DriverSide.Window.Position=100", "Vehicle.Cabin.HVAC.IsAirConditioningActive=true", "Vehicle.Cabin.Light.IsDomeOn=true", "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked=true"],
            actuator.Applied.Where(a => !a.Contains("Row1.PassengerSide.IsLocked", StringComparison.Ordinal) && !a.Contains("Row2", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SubmitAndDispose_Concurrently_ExactlyOneOutcomeEach()
    {
        var store = ChannelTestKit.NewStore();
        var channel = ChannelTestKit.Create(fixture, store, options: new CommandChannelOptions { CriticalCapacity = 8 });
        var texts = new[] { "lock the doors", "what's the weather in Oslo", "how far can I go", "turn on the AC", "" };
        var submitted = new System.Collections.Concurrent.ConcurrentBag<Task<CommandOutcome>>();
        using var go = new ManualResetEventSlim();
        var submitters = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            go.Wait();
            for (var i = 0; i < 40; i++)
            {
                submitted.Add(channel.SubmitAsync(texts[(t + i) % texts.Length], Seat.Driver).AsTask());
            }
        })).ToArray();

        go.Set();
        SpinWait.SpinUntil(() => submitted.Count >= 20); // shut down while submissions are still arriving
        await channel.DisposeAsync();
        await Task.WhenAll(submitters);

        Assert.Equal(160, submitted.Count);
        var outcomes = await Task.WhenAll(submitted);
        Assert.All(outcomes, o => Assert.True(Enum.IsDefined(o.Kind)));
        Assert.Contains(outcomes, o => o.Kind == OutcomeKind.Rejected);
        Assert.Equal(OutcomeKind.Rejected, (await channel.SubmitAsync("lock the doors", Seat.Driver)).Kind);
    }

    [Fact]
    public async Task Dispose_DrainsAdmittedRequests()
    {
        var store = ChannelTestKit.NewStore();
        var channel = ChannelTestKit.Create(fixture, store);
        var pending = Mixed.Select(t => channel.SubmitAsync(t, Seat.Driver).AsTask()).ToList();

        await channel.DisposeAsync();

        Assert.All(pending, p => Assert.True(p.IsCompleted));
        Assert.Equal([OutcomeKind.Executed, OutcomeKind.Answered, OutcomeKind.RoutedCloud], (await Task.WhenAll(pending)).Select(o => o.Kind));
        var after = await channel.SubmitAsync("lock the doors", Seat.Driver);
        Assert.Equal((OutcomeKind.Rejected, "shutting_down"), (after.Kind, after.Reason));
    }

    [Fact]
    public async Task Submit_ActuatorThrows_FailedWithTheError()
    {
        var store = ChannelTestKit.NewStore();
        using var actuator = new GatedActuator(store) { HoldCall = 0, Failure = new InvalidOperationException("CAN bus timeout") };
        await using var channel = ChannelTestKit.Create(fixture, store, actuator);

        var outcome = await channel.SubmitAsync("close the sunroof", Seat.Driver);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Contains("CAN bus timeout", outcome.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CloudHandoff.Sent, OutcomeKind.RoutedCloud, "Let me look that up.")]
    [InlineData(CloudHandoff.Queued, OutcomeKind.RoutedCloud, "I'm offline right now; I'll ask as soon as I'm connected.")]
    [InlineData(CloudHandoff.Refused, OutcomeKind.Failed, "Sorry, I can't ask right now.")]
    public async Task Submit_WorldQuestion_HandedToCloudGateway(CloudHandoff handoff, OutcomeKind expected, string response)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = ChannelTestKit.NewStore(time);
        var gateway = new RecordingGateway(handoff);
        await using var channel = ChannelTestKit.Create(fixture, store, time: time, cloud: gateway);

        var outcome = await channel.SubmitAsync("will it rain in Cairo tomorrow", Seat.Passenger);

        Assert.Equal((expected, Lane.Cloud, response), (outcome.Kind, outcome.Lane, outcome.Response));
        var query = Assert.Single(gateway.Queries);
        Assert.Equal(("will it rain in Cairo tomorrow", Seat.Passenger), (query.Text, query.Speaker));
        // The answer's deadline travels with the question (not the 10 s hand-off budget).
        Assert.Equal(time.GetUtcNow() + new CommandChannelOptions().CloudAnswerBudget, query.Deadline);
    }

    [Fact]
    public async Task Submit_WorldQuestionWithItsOwnBudget_ThatBudgetIsTheQuestionsDeadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-29T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var gateway = new RecordingGateway(CloudHandoff.Sent);
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(time), time: time, cloud: gateway);

        var outcome = await channel.SubmitAsync(new CommandRequest("will it rain in Cairo tomorrow", Seat.Driver, Budget: TimeSpan.FromSeconds(30)));

        Assert.Equal(OutcomeKind.RoutedCloud, outcome.Kind);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(30), Assert.Single(gateway.Queries).Deadline);
    }

    [Fact]
    public async Task Submit_CriticalLaneBusy_WorldQuestionsAndInformationStillServed()
    {
        var store = ChannelTestKit.NewStore();
        using var actuator = new GatedActuator(store);
        await using var channel = ChannelTestKit.Create(fixture, store, actuator);

        var held = channel.SubmitAsync("lock the doors", Seat.Driver).AsTask();
        actuator.WaitUntilHeld();
        var question = await channel.SubmitAsync("who painted the Mona Lisa", Seat.Driver);
        var range = await channel.SubmitAsync("how much range do I have left", Seat.Driver);
        actuator.Release();

        Assert.Equal(OutcomeKind.RoutedCloud, question.Kind);
        Assert.Equal(OutcomeKind.Answered, range.Kind);
        Assert.False(held.IsFaulted);
        Assert.Equal(OutcomeKind.Executed, (await held).Kind);
    }

    [Fact]
    public async Task Submit_Unintelligible_FailedWithReason()
    {
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore());
        var outcome = await channel.SubmitAsync("   ", Seat.Driver);
        Assert.Equal((OutcomeKind.Failed, "empty_input"), (outcome.Kind, outcome.Reason));
    }
}

/// <summary>A clock that, once armed, moves a fixed step on every timestamp read.</summary>
internal sealed class SteppingTime(TimeSpan step) : TimeProvider
{
    private readonly FakeTimeProvider _inner = new();
    private volatile bool _armed;

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public void Arm() => _armed = true;

    public void Disarm() => _armed = false;

    public override long GetTimestamp()
    {
        if (_armed)
        {
            _inner.Advance(step);
        }

        return _inner.GetTimestamp();
    }

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _inner.CreateTimer(callback, state, dueTime, period);
}

/// <summary>A profile whose reads or history writes throw on demand.</summary>
internal sealed class FaultyProfile : IPersonalProfile
{
    private readonly ProfileSnapshot _empty = new(new ProfileData());
    private int _recordCalls;

    public volatile bool FailReads;

    public bool FailRecords { get; init; }

    public int RecordCalls => Volatile.Read(ref _recordCalls);

    public ProfileSnapshot Current => FailReads ? throw new InvalidOperationException("profile unavailable") : _empty;

    public void Record(HistoryEntry entry)
    {
        Interlocked.Increment(ref _recordCalls);
        if (FailRecords)
        {
            throw new InvalidOperationException("database is busy");
        }
    }
}
