using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

/// <summary>Safety policy, relative commands, clamping and information answers, through the real channel.</summary>
[Collection(UnderstanderGroup.Name)]
public sealed class PolicyTests(UnderstanderFixture fixture)
{
    [Theory]
    [InlineData("open the trunk", 0, OutcomeKind.Asked)]
    [InlineData("open the trunk", 5, OutcomeKind.Refused)]
    [InlineData("unlock the doors", 0, OutcomeKind.Asked)]
    [InlineData("unlock the doors", 30, OutcomeKind.Refused)]
    [InlineData("open my window halfway", 100, OutcomeKind.Executed)]
    [InlineData("open my window halfway", 101, OutcomeKind.Refused)]
    [InlineData("open the sunroof", 80, OutcomeKind.Executed)]
    [InlineData("open the sunroof", 120, OutcomeKind.Refused)]
    [InlineData("close the sunroof", 120, OutcomeKind.Executed)]
    [InlineData("lock the doors", 120, OutcomeKind.Executed)]
    [InlineData("set cruise control to 120", 100, OutcomeKind.Executed)]
    [InlineData("set cruise control to 250", 100, OutcomeKind.Refused)]
    [InlineData("set cruise control to 20", 100, OutcomeKind.Refused)]
    public async Task Preconditions_AgainstSpeedAndLimits(string text, double speed, OutcomeKind expected)
    {
        var store = ChannelTestKit.NewStore();
        store.Set("Vehicle.Speed", SignalValue.Of(speed), "test");
        await using var channel = ChannelTestKit.Create(fixture, store);

        var outcome = await channel.SubmitAsync(text, Seat.Driver);

        Assert.Equal(expected, outcome.Kind);
        if (expected == OutcomeKind.Asked)
        {
            // The catalog asks before these (confirm: always), and only once the preconditions hold.
            Assert.Equal("confirmation_required: always", outcome.Reason);
            Assert.Empty(outcome.Actuations);
        }

        if (expected == OutcomeKind.Refused)
        {
            Assert.StartsWith("policy: ", outcome.Reason, StringComparison.Ordinal);
            Assert.Empty(outcome.Actuations);
            Assert.Equal(outcome.Reason!["policy: ".Length..], outcome.Response);
        }
    }

    [Fact]
    public async Task Preconditions_ConfiguredLimitOverridesCatalog()
    {
        var store = ChannelTestKit.NewStore();
        store.Set("Vehicle.Speed", SignalValue.Of(120), "test");
        var options = new CommandChannelOptions();
        options.Limits["window_open_max_speed"] = 130;
        await using var channel = ChannelTestKit.Create(fixture, store, options: options);

        Assert.Equal(OutcomeKind.Executed, (await channel.SubmitAsync("open my window halfway", Seat.Driver)).Kind);
    }

    [Fact]
    public void Options_UnknownLimit_Throws()
    {
        var options = new CommandChannelOptions();
        options.Limits["window_max"] = 1;
        Assert.Throws<ArgumentException>(() => ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(), options: options));
    }

    [Fact]
    public async Task LowConfidenceCriticalCommand_AsksForConfirmation()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store);
        var unsure = new Understanding("open the windows maybe", "window.open", [new("window", SlotValue.Of("all")), new("percent", SlotValue.Of(100))], 0.55, Route.Onboard, TimeSpan.Zero, []);

        var outcome = await channel.SubmitAsync(new CommandRequest(unsure.Text, Proposal: unsure));

        Assert.Equal(OutcomeKind.Refused, outcome.Kind);
        Assert.StartsWith("confirmation_required", outcome.Reason, StringComparison.Ordinal);
        Assert.EndsWith("Yes or no?", outcome.Response, StringComparison.Ordinal);
        Assert.Equal(0, store.Get("Vehicle.Cabin.Door.Row2.PassengerSide.Window.Position").Number);
    }

    [Fact]
    public async Task LowConfidenceCommandWhoseResponseReportsTheNewState_AsksWithoutAnEmptyPreview()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store);
        var unsure = new Understanding("it is cold at my destination", "climate.adjust_temperature", [new("direction", SlotValue.Of("up"))], 0.6, Route.Onboard, TimeSpan.Zero, []);

        var outcome = await channel.SubmitAsync(new CommandRequest(unsure.Text, Proposal: unsure));

        Assert.Equal(OutcomeKind.Refused, outcome.Kind);
        Assert.Equal("Did you mean climate adjust temperature? Yes or no?", outcome.Response);
    }

    [Fact]
    public async Task CloudProposal_GoesThroughTheSamePolicy()
    {
        var store = ChannelTestKit.NewStore();
        store.Set("Vehicle.Speed", SignalValue.Of(90), "test");
        await using var channel = ChannelTestKit.Create(fixture, store);
        var proposal = new Understanding("open the trunk for the groceries", "trunk.open", [], 0.99, Route.Onboard, TimeSpan.Zero, []);

        var outcome = await channel.SubmitAsync(new CommandRequest(proposal.Text, Proposal: proposal));

        Assert.Equal(OutcomeKind.Refused, outcome.Kind);
        Assert.Equal(false, store.Get("Vehicle.Body.Trunk.Rear.IsOpen").Boolean);
    }

    [Theory]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 21, "make it warmer", 22)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 21, "cool it down by 3 degrees", 18)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 29.5, "warmer by 3 degrees", 30)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 17, "cool it down by five degrees", 16)]
    [InlineData("Vehicle.Cabin.Infotainment.Media.Volume", 29, "volume up", 30)]
    [InlineData("Vehicle.Cabin.Infotainment.Media.Volume", 2, "turn the volume down", 0)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", 90, "turn the fan up", 100)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 21, "set the temperature to 72 degrees", 22)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 21, "set the temperature to 35", 30)]
    [InlineData("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", 30, "fan to max", 100)]
    [InlineData("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", 0, "heat my seat to level 3", 99)]
    [InlineData("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", 66, "turn off my seat heating", 0)]
    public async Task Actuation_RelativeAndAbsolute_ResolvedAndClamped(string signal, double before, string text, double after)
    {
        var store = ChannelTestKit.NewStore();
        Assert.Null(store.Set(signal, SignalValue.Of(before), "test"));
        await using var channel = ChannelTestKit.Create(fixture, store);

        var outcome = await channel.SubmitAsync(text, Seat.Driver);

        Assert.Equal(OutcomeKind.Executed, outcome.Kind);
        Assert.Equal(after, store.Get(signal).Number);
    }

    [Fact]
    public async Task Actuation_ClampedAbsolute_ResponseSaysWhatWasSet()
    {
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore());
        var outcome = await channel.SubmitAsync("set the temperature to 35", Seat.Driver);
        Assert.Equal("Temperature set to 30 degrees.", outcome.Response);
    }

    [Fact]
    public async Task Actuation_AllWindows_ExpandsToEveryWindow()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store);

        var outcome = await channel.SubmitAsync("open all the windows", Seat.Driver);

        Assert.Equal(4, outcome.Actuations.Count);
        Assert.All(outcome.Actuations, a => Assert.Equal(100, store.Get(a.Path).Number));
    }

    [Theory]
    [InlineData("how far can I go on this charge", "You can drive about 123 kilometres.")]
    [InlineData("what are my tire pressures", "Tire pressures in kPa: front left 230, front right 240, rear left 235, rear right 235.")]
    [InlineData("when will we get there", "We'll reach Ljubljana in about 20 minutes.")]
    public async Task InformationIntents_AnsweredFromTheStore(string text, string response)
    {
        var store = ChannelTestKit.NewStore();
        store.Set("Vehicle.Powertrain.Range", SignalValue.Of(123_400), "test");
        store.Set("Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure", SignalValue.Of(230), "test");
        store.Set("Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Address", SignalValue.Of("Ljubljana"), "test");
        store.Set("Vehicle.Cabin.Infotainment.Navigation.TimeToDestination", SignalValue.Of(1200), "test");
        await using var channel = ChannelTestKit.Create(fixture, store);

        var outcome = await channel.SubmitAsync(text, Seat.Driver);

        Assert.Equal((OutcomeKind.Answered, Catalog.Lane.Interactive, response), (outcome.Kind, outcome.Lane, outcome.Response));
    }

    [Fact]
    public async Task Eta_NoRoute_FallbackResponse()
    {
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore());
        Assert.Equal("There's no active route.", (await channel.SubmitAsync("when will we get there", Seat.Driver)).Response);
    }

    [Fact]
    public async Task MissingRequiredSlot_AskedForIt()
    {
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore());
        var outcome = await channel.SubmitAsync("navigate", Seat.Driver);
        Assert.Equal(OutcomeKind.Asked, outcome.Kind);
        Assert.StartsWith("missing_slot", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(new Awaiting("slot", "nav.navigate", "destination"), outcome.Awaiting);
    }
}
