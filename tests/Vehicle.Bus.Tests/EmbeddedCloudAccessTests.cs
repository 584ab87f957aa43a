using System.Text;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;

namespace Vehicle.Bus.Tests;

/// <summary>
/// The embedded cloud on a shared machine: only its responder and its car get into the broker,
/// each to its own topics, and the car acts only on commands its responder signed.
/// </summary>
public sealed class EmbeddedCloudAccessTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("embedded-access-").FullName;
    private EmbeddedCloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await EmbeddedCloud.StartAsync(new ResponderOptions());

    public async Task DisposeAsync()
    {
        await _cloud.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Anyone_without_this_starts_password_is_refused_at_connect()
    {
        Assert.Contains("BadUserNameOrPassword", await ConnectAsync("intruder", null, null), StringComparison.Ordinal);
        Assert.Contains("BadUserNameOrPassword", await ConnectAsync("car-test-car", _cloud.Access.Car.UserName, "guessed"), StringComparison.Ordinal);
        Assert.Contains("BadUserNameOrPassword", await ConnectAsync("car-test-car", _cloud.Access.Responder.UserName, _cloud.Access.Car.Password), StringComparison.Ordinal);
        // The car's account is only for a car's client id.
        Assert.Contains("BadUserNameOrPassword", await ConnectAsync("responder-2", _cloud.Access.Car.UserName, _cloud.Access.Car.Password), StringComparison.Ordinal);
        Assert.Equal("Success", await ConnectAsync("car-test-car", _cloud.Access.Car.UserName, _cloud.Access.Car.Password));
    }

    [Fact]
    public async Task A_car_may_ask_for_itself_and_read_its_own_replies_only()
    {
        using var car = await ConnectedAsync("car-test-car", _cloud.Access.Car.UserName, _cloud.Access.Car.Password);

        Assert.True((await PublishAsync(car, "vehicles/test-car/copilot/query")).IsSuccess);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await PublishAsync(car, "vehicles/test-car/copilot/reply")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await PublishAsync(car, "vehicles/other-car/copilot/query")).ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(car, "vehicles/test-car/copilot/reply"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(car, "vehicles/other-car/copilot/reply"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(car, "vehicles/+/copilot/query"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeAsync(car, "#"));
    }

    [Theory]
    [InlineData("responder", "vehicles/car-a/copilot/reply", true)]
    [InlineData("responder", "vehicles/car-a/copilot/query", false)]
    [InlineData("responder", "vehicles/+/copilot/reply", false)]
    [InlineData("car", "vehicles/car-a/copilot/query", true)]
    [InlineData("car", "vehicles/car-b/copilot/query", false)]
    [InlineData("car", "vehicles/car-a/copilot/reply", false)]
    [InlineData("car", "vehicles/car-a/copilot/query/extra", false)]
    [InlineData(null, "vehicles/car-a/copilot/query", false)]
    public void The_acl_lets_each_account_publish_only_its_own_kind(string? user, string topic, bool allowed) =>
        Assert.Equal(allowed, BrokerAccess.MayPublish(user, "car-car-a", topic));

    [Fact]
    public async Task The_car_with_this_starts_account_and_key_acts_on_its_responders_suggestion()
    {
        using var sink = new RecordingSink();
        var options = new CarBusOptions
        {
            Connection = _cloud.CarConnection(),
            VehicleId = "test-car",
            OutboxPath = Path.Combine(_directory, "car.db"),
            ReplyKey = _cloud.ReplyKey,
        };
        await using var car = VehicleBusClient.Start(options, sink);

        car.Enqueue(new BusQuery(Guid.NewGuid(), "it's cold at my destination", TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await sink.WaitForRepliesAsync(1);

        Assert.Equal("set the temperature to 22 degrees", Assert.Single(sink.Replies).Command);
        Assert.Equal(0, car.Statistics.UnauthenticatedCommands);
    }

    /// <summary>"Success", or why the broker refused (the exception's message names the CONNACK reason).</summary>
    private async Task<string> ConnectAsync(string clientId, string? user, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            return (await client.ConnectAsync(Options(clientId, user, password))).ResultCode.ToString();
        }
        catch (MqttConnectingFailedException e)
        {
            return e.Message;
        }
    }

    private async Task<IMqttClient> ConnectedAsync(string clientId, string user, string password)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(clientId, user, password));
        return client;
    }

    private MqttClientOptions Options(string clientId, string? user, string? password)
    {
        var builder = new MqttClientOptionsBuilder().WithTcpServer(_cloud.Broker.Host, _cloud.Broker.Port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500);
        if (user is not null)
        {
            builder.WithCredentials(user, password);
        }

        return builder.Build();
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes("""{"text":"forged"}""")).WithCorrelationData(Guid.NewGuid().ToByteArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static async Task<MqttClientSubscribeResultCode> SubscribeAsync(IMqttClient client, string filter)
    {
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build());
        return Assert.Single(result.Items).ResultCode;
    }
}
