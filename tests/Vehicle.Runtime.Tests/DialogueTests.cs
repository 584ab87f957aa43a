using Microsoft.Extensions.Time.Testing;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

/// <summary>Conversations through the car: questions asked back, confirmations, follow-ups, undo, on a fake clock.</summary>
[Collection(UnderstanderGroup.Name)]
public sealed class DialogueTests(UnderstanderFixture fixture)
{
    private const string DriverWindow = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position";
    private const string PassengerWindow = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position";
    private const string DriverDoor = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked";
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task AMissingSlot_IsAskedFor_AndTheNextUtteranceFillsIt()
    {
        await using var car = Car(out _);

        var asked = await car.SubmitAsync("navigate", Seat.Driver);
        Assert.Equal(OutcomeKind.Asked, asked.Kind);
        Assert.Equal(new Awaiting("slot", "nav.navigate", "destination"), asked.Awaiting);

        var answered = await car.SubmitAsync("to the airport", Seat.Driver);
        Assert.Equal(OutcomeKind.Executed, answered.Kind);
        Assert.True(answered.Context);
        Assert.Equal("nav.navigate", answered.Understanding!.Intent);
        Assert.Equal("the airport", answered.Understanding.Slots.Single(s => s.Key == "destination").Value.Text);
    }

    [Fact]
    public async Task AnythingElseSaidInstead_DropsTheQuestion_AndIsHandledOnItsOwn()
    {
        await using var car = Car(out var store);

        Assert.Equal(OutcomeKind.Asked, (await car.SubmitAsync("navigate", Seat.Driver)).Kind);
        var other = await car.SubmitAsync("open my window halfway", Seat.Driver);
        Assert.Equal(OutcomeKind.Executed, other.Kind);
        Assert.False(other.Context);
        Assert.Equal(50, store.Get(DriverWindow).Number);

        // The question is gone: a place name now is not an answer to it.
        var late = await car.SubmitAsync("the airport", Seat.Driver);
        Assert.False(late.Context);
        Assert.NotEqual(OutcomeKind.Executed, late.Kind);
    }

    [Fact]
    public async Task ACommandTheCatalogConfirms_RunsOnYes_AndNothingHappensOnNo()
    {
        await using var car = Car(out var store);

        var asked = await car.SubmitAsync("unlock the doors", Seat.Driver);
        Assert.Equal(OutcomeKind.Asked, asked.Kind);
        Assert.Equal(new Awaiting("confirmation", "doors.unlock"), asked.Awaiting);
        Assert.Equal(true, store.Get(DriverDoor).Boolean);

        var yes = await car.SubmitAsync("yes please", Seat.Driver);
        Assert.Equal(OutcomeKind.Executed, yes.Kind);
        Assert.True(yes.Context);
        Assert.Equal(false, store.Get(DriverDoor).Boolean);

        Assert.Equal(OutcomeKind.Asked, (await car.SubmitAsync("pop the trunk", Seat.Driver)).Kind);
        var no = await car.SubmitAsync("no", Seat.Driver);
        Assert.Equal(OutcomeKind.Cancelled, no.Kind);
        Assert.Empty(no.Actuations);
        Assert.Equal(false, store.Get("Vehicle.Body.Trunk.Rear.IsOpen").Boolean);
    }

    [Fact]
    public async Task APendingConfirmation_ExpiresAfterTheQuietTime()
    {
        await using var car = Car(out var store);

        Assert.Equal(OutcomeKind.Asked, (await car.SubmitAsync("unlock the doors", Seat.Driver)).Kind);
        _time.Advance(TimeSpan.FromSeconds(21));
        var yes = await car.SubmitAsync("yes", Seat.Driver);

        Assert.Equal(OutcomeKind.Answered, yes.Kind);
        Assert.Equal("nothing_pending", yes.Reason);
        Assert.Equal(true, store.Get(DriverDoor).Boolean);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("sure")]
    [InlineData("no")]
    [InlineData("nope")]
    public async Task ABareYesOrNo_WithNothingPending_DoesNothingToTheVehicle(string text)
    {
        await using var car = Car(out _);

        var outcome = await car.SubmitAsync(text, Seat.Driver);

        Assert.Equal(OutcomeKind.Answered, outcome.Kind);
        Assert.Empty(outcome.Actuations);
        Assert.Equal("nothing_pending", outcome.Reason);
    }

    [Fact]
    public async Task Undo_PutsBackWhatTheLastCommandChanged_Once()
    {
        await using var car = Car(out var store);
        Assert.Null(store.Set(DriverWindow, SignalValue.Of(20), "test"));

        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync("open my window halfway", Seat.Driver)).Kind);
        Assert.Equal(50, store.Get(DriverWindow).Number);

        var undo = await car.SubmitAsync("undo that", Seat.Driver);
        Assert.Equal(OutcomeKind.Executed, undo.Kind);
        Assert.True(undo.Context);
        Assert.Equal(20, store.Get(DriverWindow).Number);

        var again = await car.SubmitAsync("undo that", Seat.Driver);
        Assert.Equal("nothing_before", again.Reason);
        Assert.Empty(again.Actuations);
        Assert.Equal(20, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task Undo_GoesThroughThePolicy()
    {
        await using var car = Car(out var store);
        Assert.Null(store.Set(DriverWindow, SignalValue.Of(80), "test"));
        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync("close my window", Seat.Driver)).Kind);

        // Reopening the window is opening a window: not above the window speed limit.
        Assert.Null(store.Set("Vehicle.Speed", SignalValue.Of(130), "test"));
        var undo = await car.SubmitAsync("undo that", Seat.Driver);

        Assert.Equal(OutcomeKind.Refused, undo.Kind);
        Assert.StartsWith("policy: ", undo.Reason, StringComparison.Ordinal);
        Assert.Equal(0, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task FollowUps_ChangeWhatTheyName_OfTheLastCommand()
    {
        await using var car = Car(out var store);
        const string Driver = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature";
        const string Passenger = "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature";
        const string Seat1 = "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling";

        await car.SubmitAsync("turn on the seat heater", Seat.Driver);
        Assert.True(store.Get(Seat1).Number > 0);
        var off = await car.SubmitAsync("turn it off again", Seat.Driver);
        Assert.True(off.Context);
        Assert.Equal(0, store.Get(Seat1).Number);

        await car.SubmitAsync("set the temperature to 21", Seat.Driver);
        var more = await car.SubmitAsync("a bit more", Seat.Driver);
        Assert.Equal("climate.adjust_temperature", more.Understanding!.Intent);
        Assert.Equal(22, store.Get(Driver).Number);

        await car.SubmitAsync("make it 19 instead", Seat.Driver);
        Assert.Equal(19, store.Get(Driver).Number);

        var passenger = await car.SubmitAsync("for the passenger too", Seat.Driver);
        Assert.True(passenger.Context);
        Assert.Equal(19, store.Get(Passenger).Number);
        Assert.Equal(19, store.Get(Driver).Number);
    }

    [Fact]
    public async Task EachConversation_SeesOnlyItsOwnContext()
    {
        await using var car = Car(out var store);

        await car.SubmitAsync(new CommandRequest("open my window halfway", Seat.Driver, Conversation: "a"));
        var other = await car.SubmitAsync(new CommandRequest("undo that", Seat.Driver, Conversation: "b"));
        Assert.Equal("nothing_before", other.Reason);
        Assert.Equal(50, store.Get(DriverWindow).Number);

        // Without an id, each seat is a conversation of its own.
        await car.SubmitAsync("open my window halfway", Seat.Passenger);
        Assert.Equal("nothing_before", (await car.SubmitAsync("undo that", Seat.Driver)).Reason);
        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync(new CommandRequest("undo that", Seat.Driver, Conversation: "a"))).Kind);
        Assert.Equal(0, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task SeveralCommandsInOneUtterance_EachRunsInOrderWithItsOwnOutcome()
    {
        await using var car = Car(out var store);
        Assert.Null(store.Set(DriverWindow, SignalValue.Of(60), "test"));

        var outcome = await car.SubmitAsync("turn on the air conditioning and close my window", Seat.Driver);

        Assert.Equal(2, outcome.Commands.Count);
        Assert.Equal("turn on the air conditioning and close my window", outcome.Understanding!.Text);
        Assert.Equal(["turn on the air conditioning", "close my window"], outcome.Commands.Select(c => c.Utterance));
        Assert.Equal(["climate.ac", "window.close"], outcome.Commands.Select(c => c.Understanding!.Intent));
        Assert.All(outcome.Commands, c => Assert.Equal(OutcomeKind.Executed, c.Kind));
        Assert.Equal("climate.ac", outcome.Understanding!.Intent);
        Assert.Equal(true, store.Get("Vehicle.Cabin.HVAC.IsAirConditioningActive").Boolean);
        Assert.Equal(0, store.Get(DriverWindow).Number);
    }

    [Fact]
    public async Task ACommandAndAQuestion_EachGoesToItsOwnLane()
    {
        await using var car = Car(out var store);

        var outcome = await car.SubmitAsync("lock the doors and what's the weather like in Paris", Seat.Driver);

        Assert.Equal([OutcomeKind.Executed, OutcomeKind.RoutedCloud], outcome.Commands.Select(c => c.Kind));
        Assert.Equal([Catalog.Lane.Critical, Catalog.Lane.Cloud], outcome.Commands.Select(c => c.Lane!.Value));
    }

    [Theory]
    [InlineData("play simon and garfunkel")]
    [InlineData("what's the difference between a hybrid and an electric car")]
    public async Task OneRequestWithAnAnd_StaysOneRequest(string text)
    {
        await using var car = Car(out _);

        var outcome = await car.SubmitAsync(text, Seat.Driver);

        Assert.Empty(outcome.Commands);
        Assert.Equal(text, outcome.Utterance);
    }

    [Fact]
    public async Task OnTheLane_WhatAwaitsAStepResumesOnTheLaneThread_NotThePool()
    {
        var store = ChannelTestKit.NewStore(_time);
        using var actuator = new GatedActuator(store);
        await using var car = ChannelTestKit.Create(fixture, store, actuator, time: _time);

        var step = car.Channel.SubmitOnLaneAsync(new CommandRequest("open my window halfway", Seat.Driver), CancellationToken.None);
        actuator.WaitUntilHeld();
        var resumed = ThreadAfter(step);
        actuator.Release();

        Assert.StartsWith("lane-", (await resumed).Thread, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATwoStepTurn_HandsItsOutcomeOnOffTheLaneThread()
    {
        var store = ChannelTestKit.NewStore(_time);
        using var actuator = new GatedActuator(store) { HoldCall = 2 };
        await using var car = ChannelTestKit.Create(fixture, store, actuator, time: _time);
        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync("open the passenger window", Seat.Driver)).Kind);

        // "Close it": a look at "it", then the command, held in the actuator until the caller waits.
        var turn = ThreadAfter(car.SubmitAsync("close it", Seat.Driver));
        actuator.WaitUntilHeld();
        actuator.Release();
        var (outcome, thread) = await turn;

        Assert.Equal((OutcomeKind.Executed, "window.close"), (outcome.Kind, outcome.Understanding!.Intent));
        Assert.Equal(0, store.Get(PassengerWindow).Number);
        Assert.DoesNotContain("lane-", thread ?? "", StringComparison.Ordinal); // the caller's code never runs on a lane
    }

    [Fact]
    public async Task APronoun_IsTheLastCommandsDevice()
    {
        await using var car = Car(out var store);
        Assert.Null(store.Set(DriverWindow, SignalValue.Of(30), "test"));

        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync("open the passenger window", Seat.Driver)).Kind);
        Assert.Equal(100, store.Get(PassengerWindow).Number);

        // Said by the driver, "close it" would be the driver's window; it is the one just opened.
        var closed = await car.SubmitAsync("close it", Seat.Driver);
        Assert.Equal((OutcomeKind.Executed, "window.close", true), (closed.Kind, closed.Understanding!.Intent, closed.Context));
        Assert.Equal("passenger", closed.Understanding.Slots.Single(s => s.Key == "window").Value.Text);
        Assert.Equal(0, store.Get(PassengerWindow).Number);
        Assert.Equal(30, store.Get(DriverWindow).Number);

        // The same action on the last command's device, whatever device the words were heard as.
        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync("open the sunroof", Seat.Driver)).Kind);
        var shut = await car.SubmitAsync("shut it please", Seat.Driver);
        Assert.Equal(("sunroof.close", true), (shut.Understanding!.Intent, shut.Context));

        // A command naming its own device is not a reference: it stays what it said.
        var own = await car.SubmitAsync("lock the doors", Seat.Driver);
        Assert.Equal(("doors.lock", false), (own.Understanding!.Intent, own.Context));
    }

    [Theory]
    [InlineData("remind me to call mom at 5")]
    [InlineData("set a timer for ten minutes")]
    [InlineData("add coffee to my shopping list")]
    public async Task ARequestTheCatalogHasNoIntentFor_GoesToTheCloud(string text)
    {
        await using var car = Car(out _);

        var outcome = await car.SubmitAsync(text, Seat.Driver);

        Assert.Equal((Route.Cloud, "out_of_catalog"), (outcome.Understanding!.Route, outcome.Understanding.Reason));
        Assert.Equal(OutcomeKind.RoutedCloud, outcome.Kind);
        Assert.Empty(outcome.Actuations);
    }

    [Theory]
    [InlineData(10, OutcomeKind.Executed)]
    [InlineData(30, OutcomeKind.DeadlineMissed)]
    public async Task AFollowUpsSecondPass_RunsWithinWhatIsLeftOfTheTurnsBudget(int understandingMs, OutcomeKind expected)
    {
        // Critical budget 50 ms: the follow-up's understanding takes understandingMs, then the
        // command it resolves to takes 25 ms at the vehicle. 10 + 25 fits; 30 + 25 does not (a
        // fresh budget for the second pass would have let it through).
        const string Driver = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature";
        var understanding = TimeSpan.Zero;
        var store = ChannelTestKit.NewStore(_time);
        await using var car = ChannelTestKit.Create(fixture, store, new SlowActuator(store, _time, TimeSpan.FromMilliseconds(25)), time: _time, afterUnderstanding: () => _time.Advance(understanding));
        Assert.Equal(OutcomeKind.Executed, (await car.SubmitAsync("set the temperature to 21", Seat.Driver)).Kind);

        understanding = TimeSpan.FromMilliseconds(understandingMs);
        var more = await car.SubmitAsync("a bit more", Seat.Driver);

        Assert.Equal(expected, more.Kind);
        Assert.Equal(expected == OutcomeKind.Executed ? 22 : 21, store.Get(Driver).Number);
    }

    private static async Task<(CommandOutcome Outcome, string? Thread)> ThreadAfter(ValueTask<CommandOutcome> pending)
    {
        var outcome = await pending.ConfigureAwait(false);
        return (outcome, Thread.CurrentThread.Name);
    }

    private CopilotHost Car(out SignalStore store)
    {
        store = ChannelTestKit.NewStore(_time);
        return ChannelTestKit.Create(fixture, store, time: _time);
    }
}

/// <summary>A vehicle that takes <paramref name="takes"/> (on the fake clock) to apply anything, and applies nothing once the deadline has passed.</summary>
internal sealed class SlowActuator(SignalStore store, FakeTimeProvider time, TimeSpan takes) : IVehicleActuator
{
    private readonly SimulatedVehicle _vehicle = new(store);

    public ValueTask ApplyAsync(IReadOnlyList<Actuation> actuations, CancellationToken cancellationToken)
    {
        time.Advance(takes);
        cancellationToken.ThrowIfCancellationRequested();
        return _vehicle.ApplyAsync(actuations, cancellationToken);
    }
}
