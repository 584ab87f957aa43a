namespace Vehicle.Runtime.Cloud;

/// <summary>Where world questions go (configuration section <c>Cloud</c>; the bus itself is configured in <c>Bus</c>).</summary>
public sealed class CloudOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Cloud";

    /// <summary>
    /// Default: <see cref="CloudMode.Embedded"/> (an in-process broker on loopback and the built-in
    /// offline responder, offered by the command-line hosts).
    /// </summary>
    public CloudMode Mode { get; set; } = CloudMode.Embedded;

    /// <summary>How long <c>ask</c> waits for a cloud answer once the question is on its way. Default: 10 s.</summary>
    public TimeSpan AnswerWait { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>How the car reaches the cloud.</summary>
public enum CloudMode
{
    /// <summary>
    /// An in-process broker on loopback and the built-in responder, so one command runs the whole
    /// system. The host application supplies it (<see cref="Hosting.CopilotServices.EmbeddedCloud"/>);
    /// the command-line hosts do.
    /// </summary>
    Embedded,

    /// <summary>The broker in <c>Bus:Connection:Broker</c>.</summary>
    Remote,

    /// <summary>No cloud: world questions are only marked routed_cloud.</summary>
    Off,
}
