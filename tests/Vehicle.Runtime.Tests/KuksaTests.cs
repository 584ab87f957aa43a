using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Vehicle;
using Vehicle.Runtime.Vehicle.Kuksa;
using Vehicle.Runtime.Vehicle.Kuksa.Wire;
using Value = Vehicle.Runtime.Vehicle.Kuksa.Wire.Value;

namespace Vehicle.Runtime.Tests;

/// <summary>
/// The KUKSA.val v2 adapter against an in-process databroker (<see cref="FakeDatabroker"/>): the
/// car built by <see cref="CopilotHost"/> with <c>Vehicle:Api=kuksa</c>, as a user configures it.
/// </summary>
[Collection(UnderstanderGroup.Name)]
public sealed class KuksaTests(UnderstanderFixture fixture) : IDisposable
{
    private const string Window = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("kuksa-");

    private string Socket => Path.Combine(_folder.FullName, "databroker.sock");

    [Fact]
    public async Task AnActuation_IsExecutedOnlyOnceTheVehicleReportsIt_InTheSignalsType()
    {
        await using var broker = await FakeDatabroker.StartAsync(Socket, Provider.Moves, "Vehicle.Cabin.Sunroof.Position");
        broker.MoveTime = TimeSpan.FromMilliseconds(150);
        await using var car = await StartCarAsync();
        Assert.True(car.VehicleApi.Connected, car.VehicleApi.Description);
        Assert.Contains("1 unknown to it (Vehicle.Cabin.Sunroof.Position)", car.VehicleApi.Description, StringComparison.Ordinal);

        using var changes = car.Signals.Subscribe(Window);
        var outcome = await car.SubmitAsync("open my window halfway", Nlu.Seat.Driver);

        Assert.True(outcome.Kind == OutcomeKind.Executed, $"{outcome.Kind}: {outcome.Reason}");
        var sent = Assert.Single(broker.Actuations);
        Assert.Equal(Window, sent.SignalId.Path);
        Assert.Equal(Value.TypedValueOneofCase.Uint32, sent.Value.TypedValueCase);
        Assert.Equal(50u, sent.Value.Uint32);

        // Executed means the vehicle reported it: the store had it, from the actuator, before the outcome.
        Assert.Equal(50, car.Signals.Get(Window).Number);
        Assert.True(changes.Changes.TryRead(out var change));
        Assert.Equal("actuator", change.Source);
        Assert.True(outcome.Total >= broker.MoveTime, $"executed after {outcome.Total.TotalMilliseconds} ms, before the window moved");
    }

    [Fact]
    public async Task AnActuationTheVehicleNeverReports_FailsNotConfirmed()
    {
        await using var broker = await FakeDatabroker.StartAsync(Socket, Provider.Stuck);
        await using var car = await StartCarAsync(confirm: TimeSpan.FromMilliseconds(300));

        var outcome = await car.SubmitAsync("open my window halfway", Nlu.Seat.Driver);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.StartsWith("actuator: not_confirmed: " + Window + " did not report 50 within 300 ms", outcome.Reason, StringComparison.Ordinal);
        Assert.Single(broker.Actuations);
        Assert.Equal(0, car.Signals.Get(Window).Number);
    }

    [Fact]
    public async Task NoProviderForTheActuator_FailsUnavailable_WithTheDatabrokersReason()
    {
        await using var broker = await FakeDatabroker.StartAsync(Socket, Provider.None);
        await using var car = await StartCarAsync();

        var outcome = await car.SubmitAsync("turn on the air conditioning", Nlu.Seat.Driver);

        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.Equal("actuator: vehicle_api_unavailable: Provider for vss_id Vehicle.Cabin.HVAC.IsAirConditioningActive does not exist", outcome.Reason);
        Assert.Empty(broker.Actuations);
        Assert.False(car.Signals.Get("Vehicle.Cabin.HVAC.IsAirConditioningActive").Boolean);
    }

    [Fact]
    public async Task WithTheDatabrokerDown_TheCarStartsNotReady_FailsExplicitly_AndRecoversWhenItComes()
    {
        await using var car = await StartCarAsync();
        Assert.False(car.VehicleApi.Connected);

        var outcome = await car.SubmitAsync("open my window halfway", Nlu.Seat.Driver);
        Assert.Equal(OutcomeKind.Failed, outcome.Kind);
        Assert.StartsWith("actuator: vehicle_api_unavailable: KUKSA databroker at unix:", outcome.Reason, StringComparison.Ordinal);

        await using var broker = await FakeDatabroker.StartAsync(Socket, Provider.Moves);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!car.VehicleApi.Connected && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        Assert.True(car.VehicleApi.Connected, car.VehicleApi.Description);
        outcome = await car.SubmitAsync("open my window halfway", Nlu.Seat.Driver);
        Assert.True(outcome.Kind == OutcomeKind.Executed, $"{outcome.Kind}: {outcome.Reason}");
    }

    [Fact]
    public async Task TheVehiclesOwnState_ReachesThePolicy()
    {
        await using var broker = await FakeDatabroker.StartAsync(Socket, Provider.Moves);
        await using var car = await StartCarAsync();
        using var speed = car.Signals.Subscribe("Vehicle.Speed");

        broker.Publish("Vehicle.Speed", new Value { Float = 130.5f });
        var change = await speed.Changes.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(130.5, change.Value.Number);
        Assert.Equal("vehicle", change.Source);

        var outcome = await car.SubmitAsync("open my window halfway", Nlu.Seat.Driver);
        Assert.Equal(OutcomeKind.Refused, outcome.Kind);
        Assert.Empty(broker.Actuations);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private Task<CopilotHost> StartCarAsync(TimeSpan? confirm = null)
    {
        var options = new CopilotOptions { Cloud = { Mode = Cloud.CloudMode.Off } };
        // These run on the real clock beside other tests: a critical budget far above the
        // confirmation timeout, so that a busy machine cannot turn "not confirmed" into a missed deadline.
        options.Channel.CriticalBudget = TimeSpan.FromSeconds(30);
        options.Vehicle.Api = VehicleApi.Kuksa;
        options.Vehicle.Kuksa.Address = "unix:" + Socket;
        options.Vehicle.Kuksa.ConnectWait = TimeSpan.FromSeconds(5);
        options.Vehicle.Kuksa.ReconnectDelay = TimeSpan.FromMilliseconds(100);
        options.Vehicle.Kuksa.ConfirmTimeout = confirm ?? TimeSpan.FromSeconds(5);
        if (!File.Exists(Socket))
        {
            options.Vehicle.Kuksa.ConnectWait = TimeSpan.FromMilliseconds(300);
        }

        return ChannelTestKit.StartAsync(fixture, options);
    }
}

/// <summary>
/// Wire compatibility with upstream KUKSA.val v2, pinned by encodings computed by hand from
/// upstream's field numbers and wire types (tag = field &lt;&lt; 3 | wire type), not by our own encoder.
/// </summary>
public sealed class KuksaWireTests
{
    public static TheoryData<string, IMessage> Golden => new()
    {
        // ActuateRequest{signal_id{path=…Window.Position}, value{uint32=50}}: field 1 LEN, SignalID.path field 2 LEN, Value.uint32 field 15 varint (0x78).
        { "0A 34 12 32 " + Ascii("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position") + " 12 02 78 32", new ActuateRequest { SignalId = new SignalID { Path = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position" }, Value = new Value { Uint32 = 50 } } },

        // Datapoint{timestamp{seconds=1700000000}, value{bool=true}}: Value.bool is field 12 (0x60).
        { "0A 06 08 80 E2 CF AA 06 12 02 60 01", new Datapoint { Timestamp = new Timestamp { Seconds = 1_700_000_000 }, Value = new Value { Bool = true } } },

        // Value.int32 is sint32 (zigzag): -1 is 1.
        { "68 01", new Value { Int32 = -1 } },

        // A oneof member is written even at its default.
        { "60 00", new Value { Bool = false } },

        // Value.float is field 17 (two-byte tag 8D 01), fixed32 little-endian: 22.5f = 0x41B40000.
        { "8D 01 00 00 B4 41", new Value { Float = 22.5f } },

        // SignalID.id is field 1.
        { "0A 02 08 05", new GetValueRequest { SignalId = new SignalID { Id = 5 } } },
        { "0A 0D " + Ascii("Vehicle.Speed"), new SubscribeRequest { SignalPaths = { "Vehicle.Speed" } } },

        // map<string, Datapoint> entries = 1: each entry a message {key = 1, value = 2}.
        { "0A 19 0A 0D " + Ascii("Vehicle.Speed") + " 12 08 12 06 8D 01 00 00 48 42", new SubscribeResponse { Entries = { ["Vehicle.Speed"] = new Datapoint { Value = new Value { Float = 50f } } } } },

        // BatchActuateRequest.actuate_requests = 1.
        { "0A 08 0A 02 08 2A 12 02 60 00", new BatchActuateRequest { ActuateRequests = { new ActuateRequest { SignalId = new SignalID { Id = 42 }, Value = new Value { Bool = false } } } } },

        // ListMetadataRequest{root = 1}; Metadata starts at 9: path = 9 (0x4A), data_type = 11 (0x58), entry_type = 12 (0x60).
        { "0A 07 " + Ascii("Vehicle"), new ListMetadataRequest { Root = "Vehicle" } },
        { "0A 13 4A 0D " + Ascii("Vehicle.Speed") + " 58 0B 60 02", new ListMetadataResponse { Metadata = { new Metadata { Path = "Vehicle.Speed", DataType = DataType.Float, EntryType = EntryType.Sensor } } } },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void OurMessages_EncodeAndDecodeAsUpstreamsDo(string hex, IMessage message)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal(bytes, message.ToByteArray());
        Assert.Equal(message, message.Descriptor.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void TheServiceAndItsMethods_HaveUpstreamsNames()
    {
        // The HTTP/2 path of a call is /kuksa.val.v2.VAL/{Method}: a renamed one is a different call.
        Assert.Equal("kuksa.val.v2.VAL", VAL.Descriptor.FullName);
        var methods = VAL.Descriptor.Methods.ToDictionary(m => m.Name);
        Assert.True(methods["Subscribe"].IsServerStreaming);
        Assert.Equal("kuksa.val.v2.SubscribeResponse", methods["Subscribe"].OutputType.FullName);
        Assert.Equal("kuksa.val.v2.ActuateRequest", methods["Actuate"].InputType.FullName);
        Assert.Equal("kuksa.val.v2.BatchActuateRequest", methods["BatchActuate"].InputType.FullName);
        Assert.Equal("kuksa.val.v2.ListMetadataRequest", methods["ListMetadata"].InputType.FullName);
    }

    [Theory]
    [InlineData("Uint8", 50.0, "Uint32", 50.0)]
    [InlineData("Int8", -33.0, "Int32", -33.0)]
    [InlineData("Uint8", 49.6, "Uint32", 50.0)]
    [InlineData("Float", 21.3, "Float", 21.3)]
    [InlineData("Double", 48.1374, "Double", 48.1374)]
    public void ANumber_TravelsAsTheSignalsDataTypeAndComesBackTheSame(string type, double number, string wire, double back)
    {
        var value = KuksaVehicle.ToWire(SignalValue.Of(number), System.Enum.Parse<DataType>(type))!;
        Assert.Equal(System.Enum.Parse<Value.TypedValueOneofCase>(wire), value.TypedValueCase);
        Assert.Equal(back, KuksaVehicle.FromWire(value)!.Value.Number);
    }

    [Fact]
    public void AValueTheSignalCannotTake_IsRefusedBeforeItIsSent()
    {
        Assert.Null(KuksaVehicle.ToWire(SignalValue.Of(-1), DataType.Uint8));
        Assert.Null(KuksaVehicle.ToWire(SignalValue.Of(1), DataType.Boolean));
        Assert.Null(KuksaVehicle.ToWire(SignalValue.Of(true), DataType.Float));
        Assert.Null(KuksaVehicle.ToWire(SignalValue.Of(1), DataType.FloatArray));
    }

    private static string Ascii(string text) => string.Join(' ', System.Text.Encoding.ASCII.GetBytes(text).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
