namespace Vehicle.Runtime.Cloud;

/// <summary>Where world questions go (configuration section <c>Cloud</c>; the bus itself is configured in <c>Bus</c>).</summary>
public sealed class CloudOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Cloud";

    /// <summary>
    /// <c>embedded</c> (default): an in-process broker on loopback and the built-in offline responder,
    /// so one command runs the whole system; <c>remote</c>: the broker in <c>Bus:Connection:Broker</c>;
    /// <c>off</c>: world questions are only marked routed_cloud.
    /// </summary>
    public string Mode { get; set; } = "embedded";

    /// <summary>How long <c>ask</c> waits for a cloud answer once the question is on its way.</summary>
    public TimeSpan AnswerWait { get; set; } = TimeSpan.FromSeconds(10);
}
