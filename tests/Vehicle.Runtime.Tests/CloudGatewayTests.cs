using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vehicle.Bus;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;
using VehicleSignal = Vehicle.Runtime.Vehicle.SignalValue;

namespace Vehicle.Runtime.Tests;

/// <summary>The cloud lane of a car over the real bus: embedded broker, the car's bus client with its SQLite outbox, responder.</summary>
[Collection(UnderstanderGroup.Name)]
public sealed class CloudGatewayTests(UnderstanderFixture fixture) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cloud-gateway-").FullName;
    private readonly Channel<CloudResult> _results = Channel.CreateUnbounded<CloudResult>();
    private readonly List<IAsyncDisposable> _owned = [];
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync();

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await _broker.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_world_question_is_routed_to_the_cloud_and_its_answer_comes_back()
    {
        await StartResponderAsync(new OfflineBackend());
        var (channel, _) = await StartAsync(_broker.Uri);

        var outcome = await channel.SubmitAsync("who wrote hamlet", Seat.Passenger);

        Assert.Equal((OutcomeKind.RoutedCloud, "Let me look that up."), (outcome.Kind, outcome.Response));
        var result = await NextResultAsync();
        Assert.Equal(outcome.CloudQueryId, result.QueryId);
        Assert.Equal((OutcomeKind.Answered, "Hamlet was written by William Shakespeare.", Seat.Passenger), (result.Kind, result.Response, result.Speaker));
        Assert.Null(result.Action);
    }

    [Fact]
    public async Task An_action_the_cloud_suggests_goes_through_the_cars_own_policy()
    {
        await StartResponderAsync(new SuggestingBackend("open the sunroof"));
        var (channel, store) = await StartAsync(_broker.Uri);
        Assert.Null(store.Set("Vehicle.Speed", VehicleSignal.Of(100.0), "test"));

        await channel.SubmitAsync("who painted the mona lisa", Seat.Driver);
        var moving = await NextResultAsync();
        Assert.Equal(OutcomeKind.Refused, moving.Action!.Kind);
        Assert.Equal(VehicleSignal.Of(0.0), store.Get("Vehicle.Cabin.Sunroof.Position"));

        Assert.Null(store.Set("Vehicle.Speed", VehicleSignal.Of(0.0), "test"));
        await channel.SubmitAsync("who painted the mona lisa", Seat.Driver);
        var stopped = await NextResultAsync();
        Assert.Equal(OutcomeKind.Executed, stopped.Action!.Kind);
        Assert.Equal(VehicleSignal.Of(100.0), store.Get("Vehicle.Cabin.Sunroof.Position"));
    }

    [Fact]
    public async Task An_action_the_cloud_suggests_that_needs_a_yes_is_asked_and_the_next_yes_runs_it()
    {
        await StartResponderAsync(new SuggestingBackend("open the trunk"));
        var (channel, store) = await StartAsync(_broker.Uri);

        await channel.SubmitAsync("who painted the mona lisa", Seat.Driver);
        var result = await NextResultAsync();
        Assert.Equal((OutcomeKind.Asked, "confirmation", "trunk.open"), (result.Action!.Kind, result.Action.Awaiting?.Kind, result.Action.Awaiting?.Intent));
        Assert.Equal(VehicleSignal.Of(false), store.Get("Vehicle.Body.Trunk.Rear.IsOpen"));

        var yes = await channel.SubmitAsync("yes please", Seat.Driver);
        Assert.Equal((OutcomeKind.Executed, "trunk.open", true), (yes.Kind, yes.Understanding?.Intent, yes.Context));
        Assert.Equal(VehicleSignal.Of(true), store.Get("Vehicle.Body.Trunk.Rear.IsOpen"));
    }

    [Fact]
    public async Task An_action_from_a_responder_without_the_cars_key_is_dropped_and_the_answer_kept()
    {
        // Anyone able to publish on the car's reply topic: it answers, and "suggests" the trunk.
        await StartResponderAsync(new SuggestingBackend("open the trunk"), replyKey: ReplySignature.NewKey());
        var (channel, store) = await StartAsync(_broker.Uri);

        await channel.SubmitAsync("who painted the mona lisa", Seat.Driver);
        var result = await NextResultAsync();

        Assert.Equal(OutcomeKind.Answered, result.Kind);
        Assert.Null(result.Action);
        Assert.Equal(VehicleSignal.Of(false), store.Get("Vehicle.Body.Trunk.Rear.IsOpen"));
        Assert.Equal(1, channel.Bus!.Statistics.UnauthenticatedCommands);
    }

    // Every unclaimed answer (with personal data put back) used to be kept for the process's life.
    [Fact]
    public async Task Unclaimed_answers_are_kept_for_the_last_256_questions_only()
    {
        await StartResponderAsync(new OfflineBackend());
        var (channel, _) = await StartAsync(_broker.Uri);
        var outcomes = new List<CommandOutcome>();
        for (var i = 0; i < 300; i++)
        {
            outcomes.Add(await channel.SubmitAsync("who wrote hamlet", Seat.Passenger));
        }

        Assert.All(outcomes, o => Assert.Equal((OutcomeKind.RoutedCloud, null), (o.Kind, o.Reason)));
        for (var i = 0; i < outcomes.Count; i++)
        {
            await NextResultAsync();
        }

        // The 44 that arrived first were forgotten (claiming them finds nothing); 256 are still there.
        var kept = 0;
        foreach (var outcome in outcomes)
        {
            kept += await channel.WaitForCloudAsync(outcome, TimeSpan.Zero) is null ? 0 : 1;
        }

        Assert.Equal(256, kept);
    }

    [Fact]
    public async Task A_suggestion_that_is_itself_a_world_question_is_not_sent_back_to_the_cloud()
    {
        await StartResponderAsync(new SuggestingBackend("who wrote hamlet"));
        var (channel, _) = await StartAsync(_broker.Uri);

        await channel.SubmitAsync("who painted the mona lisa", Seat.Driver);
        var result = await NextResultAsync();
        Assert.Equal(OutcomeKind.Refused, result.Action!.Kind);
        Assert.StartsWith("cloud_suggestion", result.Action.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_the_user_is_told_the_question_is_queued()
    {
        var (channel, _) = await StartAsync(new Uri($"mqtt://127.0.0.1:{EmbeddedBroker.FreePort()}"));

        var outcome = await channel.SubmitAsync("who wrote hamlet", Seat.Driver);

        Assert.Equal((OutcomeKind.RoutedCloud, "queued_offline"), (outcome.Kind, outcome.Reason));
        Assert.Equal("I'm offline right now; I'll ask as soon as I'm connected.", outcome.Response);
    }

    [Theory]
    [InlineData(30, 300, 30)] // the question's own deadline comes first
    [InlineData(600, 60, 60)] // the configured time-to-live comes first
    public async Task A_queued_question_expires_at_the_sooner_of_its_deadline_and_the_time_to_live(int deadlineS, int timeToLiveS, int expiresS)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var results = Channel.CreateUnbounded<CloudResult>();
        var options = new CarBusOptions
        {
            Connection = new BrokerOptions { Broker = $"mqtt://127.0.0.1:{EmbeddedBroker.FreePort()}" },
            VehicleId = "ttl-car",
            OutboxPath = Path.Combine(_directory, $"{Guid.NewGuid():N}.db"),
            QueryTimeToLive = TimeSpan.FromSeconds(timeToLiveS),
        };
        var privacy = new CloudPrivacy(new PrivacyOptions(), () => ProfileSnapshot.Empty);
        var gateway = new BusCloudGateway(options, privacy, new ResponseTable(), (_, _) => throw new InvalidOperationException("no suggestions here"), r => results.Writer.TryWrite(r), time, NullLoggerFactory.Instance, jitter: null);
        _owned.Add(gateway);

        var query = new CloudQuery(Guid.NewGuid(), "who wrote hamlet", Seat.Driver, time.GetUtcNow() + TimeSpan.FromSeconds(deadlineS));
        Assert.Equal(CloudHandoff.Queued, gateway.Enqueue(query).Status);

        time.Advance(TimeSpan.FromSeconds(expiresS - 2));
        Assert.Equal(1, gateway.Bus.Pending);
        time.Advance(TimeSpan.FromSeconds(3));
        var result = await results.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((query.Id, OutcomeKind.Expired), (result.QueryId, result.Kind));
        Assert.Equal("I couldn't get an answer in time; please ask again.", result.Response);
    }

    private async Task<(CopilotHost Car, Vehicle.SignalStore Store)> StartAsync(Uri broker)
    {
        var store = ChannelTestKit.NewStore();
        var car = await ChannelTestKit.StartWithBusAsync(fixture, broker, Path.Combine(_directory, $"{Guid.NewGuid():N}.db"), store, replyKey: ReplyKey);
        _owned.Add(car);
        car.CloudResults += result => _results.Writer.TryWrite(result);
        if (broker == _broker.Uri)
        {
            await ChannelTestKit.WaitConnectedAsync(car.Bus!);
        }

        return (car, store);
    }

    /// <summary>The key the car and its responder share in these tests.</summary>
    private static readonly string ReplyKey = ReplySignature.NewKey();

    private async Task StartResponderAsync(ICloudBackend backend, string? replyKey = null) =>
        _owned.Add(await CloudResponder.StartAsync(new ResponderOptions { Connection = new BrokerOptions { Broker = _broker.Uri.ToString() }, Workers = 2, ReplyKey = replyKey ?? ReplyKey }, backend));

    private async Task<CloudResult> NextResultAsync() => await _results.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>A cloud model that answers every question with a suggested action.</summary>
    private sealed class SuggestingBackend(string command) : ICloudBackend
    {
        public string Name => "suggesting";

        public Task<CloudAnswer> AnswerAsync(string question, global::Vehicle.Bus.CoarseLocation? location, CancellationToken cancellationToken) => Task.FromResult(new CloudAnswer("Here you go.", command));
    }
}
