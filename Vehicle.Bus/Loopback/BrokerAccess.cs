using System.Security.Cryptography;
using System.Text;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Vehicle.Bus.Loopback;

/// <summary>
/// Who may use an <see cref="EmbeddedBroker"/>: two accounts with random passwords made for one
/// start (nothing to configure, nothing stored), and an ACL. The responder may read the queries
/// of every vehicle and publish only replies; a car (client id <c>car-{vehicle}</c>) may publish
/// only its own queries and read only its own replies. Anyone else is refused at CONNECT, so no
/// other local process can take over the car's session or publish a reply on its topic.
/// </summary>
public sealed class BrokerAccess
{
    private const string ResponderName = "responder";
    private const string CarName = "car";

    private BrokerAccess(string responderPassword, string carPassword)
    {
        Responder = (ResponderName, responderPassword);
        Car = (CarName, carPassword);
    }

    /// <summary>The responder's user name and password.</summary>
    public (string UserName, string Password) Responder { get; }

    /// <summary>The car's user name and password.</summary>
    public (string UserName, string Password) Car { get; }

    /// <summary>New accounts with random passwords.</summary>
    public static BrokerAccess Generate() => new(NewPassword(), NewPassword());

    internal void Attach(MqttServer server)
    {
        server.ValidatingConnectionAsync += e =>
        {
            var ok = e.UserName switch
            {
                ResponderName => Matches(e.Password, Responder.Password),
                CarName => Matches(e.Password, Car.Password) && e.ClientId.StartsWith("car-", StringComparison.Ordinal),
                _ => false,
            };
            if (!ok)
            {
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }

            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += e =>
        {
            if (!MayPublish(e.UserName, e.ClientId, e.ApplicationMessage.Topic))
            {
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
        server.InterceptingSubscriptionAsync += e =>
        {
            if (!MaySubscribe(e.UserName, e.ClientId, e.TopicFilter.Topic))
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The responder publishes replies (<c>{root}/+/copilot/reply</c>); a car only its own queries.</summary>
    internal static bool MayPublish(string? user, string clientId, string topic) => user switch
    {
        ResponderName => Is(topic, null, "reply"),
        CarName => Is(topic, clientId["car-".Length..], "query"),
        _ => false,
    };

    /// <summary>The responder reads every vehicle's queries; a car only its own replies.</summary>
    internal static bool MaySubscribe(string? user, string clientId, string filter) => user switch
    {
        ResponderName => Is(filter, "+", "query"),
        CarName => Is(filter, clientId["car-".Length..], "reply"),
        _ => false,
    };

    /// <summary><c>{root}/{vehicle}/copilot/{kind}</c>, with this vehicle (null: any single level but a wildcard).</summary>
    private static bool Is(string topic, string? vehicle, string kind)
    {
        var levels = topic.Split('/');
        return levels.Length == 4
            && levels[0].Length > 0 && levels[0] is not ("+" or "#")
            && (vehicle is null ? levels[1].Length > 0 && levels[1] is not ("+" or "#") : levels[1] == vehicle)
            && levels[2] == "copilot"
            && levels[3] == kind;
    }

    private static bool Matches(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
}
