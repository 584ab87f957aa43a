namespace Vehicle.Bus;

/// <summary>
/// One vehicle's topics: <c>{root}/{vehicleId}/copilot/query</c> and <c>…/reply</c>. The car publishes
/// and subscribes only under its own prefix (the client-side allow-list; the broker's ACL is the other half).
/// </summary>
public sealed class VehicleTopics
{
    /// <summary>The shared subscription cloud responders join, for the default root.</summary>
    public const string DefaultSharedQueryFilter = "$share/copilot/vehicles/+/copilot/query";

    /// <summary>Topics of <paramref name="vehicleId"/> under <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException">An id or root that is empty or holds MQTT wildcards or separators.</exception>
    public VehicleTopics(string vehicleId, string root = "vehicles")
    {
        CheckLevel(vehicleId, nameof(vehicleId));
        foreach (var level in root.Split('/'))
        {
            CheckLevel(level, nameof(root));
        }

        VehicleId = vehicleId;
        Prefix = $"{root}/{vehicleId}/";
        Query = Prefix + "copilot/query";
        Reply = Prefix + "copilot/reply";
    }

    /// <summary>The vehicle id.</summary>
    public string VehicleId { get; }

    /// <summary><c>{root}/{vehicleId}/</c>.</summary>
    public string Prefix { get; }

    /// <summary>Where the car publishes queries.</summary>
    public string Query { get; }

    /// <summary>Where replies come back (the queries' Response Topic).</summary>
    public string Reply { get; }

    /// <summary>Whether a topic (or filter) is under this vehicle's prefix and free of wildcards.</summary>
    public bool IsOwn(string topic) =>
        topic.StartsWith(Prefix, StringComparison.Ordinal) && topic.AsSpan(Prefix.Length).IndexOfAny('+', '#') < 0;

    /// <summary>Throws unless <paramref name="topic"/> is this vehicle's own.</summary>
    /// <exception cref="UnauthorizedAccessException">A topic outside the vehicle's prefix.</exception>
    public void EnsureOwn(string topic)
    {
        if (!IsOwn(topic))
        {
            throw new UnauthorizedAccessException($"vehicle '{VehicleId}' may only use topics under '{Prefix}', not '{topic}'");
        }
    }

    /// <summary>The vehicle prefix of a query topic <c>{root}/{id}/copilot/query</c>, or null when it has another shape.</summary>
    public static string? PrefixOfQueryTopic(string topic)
    {
        const string suffix = "/copilot/query";
        if (!topic.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var prefix = topic[..^(suffix.Length - 1)];
        return prefix.Count(c => c == '/') >= 2 ? prefix : null;
    }

    private static void CheckLevel(string level, string name)
    {
        if (string.IsNullOrWhiteSpace(level) || level.AsSpan().IndexOfAny("+#/\0") >= 0 || level.StartsWith('$'))
        {
            throw new ArgumentException($"'{level}' is not a valid topic level (no '/', '+', '#', leading '$' or empty)", name);
        }
    }
}
