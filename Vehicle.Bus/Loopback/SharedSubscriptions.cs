using MQTTnet;

namespace Vehicle.Bus.Loopback;

/// <summary>
/// MQTT 5 shared subscriptions (<c>$share/{group}/{filter}</c>) for the embedded broker, which does
/// not have them: a subscription is rewritten to its plain filter and remembered per group, and
/// each matching message is let through to one connected member of each group, chosen by a hash of
/// the message (the server hands every receiver its own copy, so the choice must not need state).
/// </summary>
internal sealed class SharedSubscriptions
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Group> _groups = [];

    /// <summary>Splits <c>$share/{group}/{filter}</c>; false for a plain filter.</summary>
    public static bool TryParse(string topic, out string group, out string filter)
    {
        group = filter = string.Empty;
        if (!topic.StartsWith("$share/", StringComparison.Ordinal))
        {
            return false;
        }

        var slash = topic.IndexOf('/', 7);
        if (slash <= 7 || slash == topic.Length - 1)
        {
            return false;
        }

        group = topic[7..slash];
        filter = topic[(slash + 1)..];
        return true;
    }

    public void Join(string clientId, string group, string filter)
    {
        lock (_gate)
        {
            var key = $"{group}\n{filter}";
            if (!_groups.TryGetValue(key, out var members))
            {
                _groups[key] = members = new Group(filter);
            }

            if (!members.Clients.Contains(clientId))
            {
                members.Clients.Add(clientId);
            }
        }
    }

    public void Leave(string clientId)
    {
        lock (_gate)
        {
            foreach (var group in _groups.Values)
            {
                group.Clients.Remove(clientId);
            }
        }
    }

    /// <summary>Whether <paramref name="receiver"/> should get <paramref name="message"/>: false when it is a shared-group member and another member was chosen.</summary>
    public bool Accept(string receiver, MqttApplicationMessage message)
    {
        lock (_gate)
        {
            foreach (var group in _groups.Values)
            {
                if (group.Clients.Contains(receiver) && MqttTopicFilterComparer.Compare(message.Topic, group.Filter) == MqttTopicFilterCompareResult.IsMatch)
                {
                    return group.Clients[(int)(Hash(message) % (uint)group.Clients.Count)] == receiver;
                }
            }

            return true;
        }
    }

    private static uint Hash(MqttApplicationMessage message)
    {
        var hash = new HashCode();
        hash.Add(message.Topic);
        hash.AddBytes(message.CorrelationData ?? []);
        foreach (var segment in message.Payload)
        {
            hash.AddBytes(segment.Span);
        }

        return (uint)hash.ToHashCode();
    }

    private sealed class Group(string filter)
    {
        public string Filter { get; } = filter;

        public List<string> Clients { get; } = [];
    }
}
