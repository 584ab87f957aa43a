namespace Vehicle.Runtime.Commands;

/// <summary>Budgets, queue sizes and policy settings of the command channel (section <c>Channel</c>).</summary>
public sealed class CommandChannelOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Channel";

    private TimeSpan _criticalBudget = TimeSpan.FromMilliseconds(50);
    private TimeSpan _interactiveBudget = TimeSpan.FromMilliseconds(250);
    private TimeSpan _cloudBudget = TimeSpan.FromSeconds(10);
    private TimeSpan _cloudAnswerBudget = TimeSpan.FromMinutes(5);
    private int _criticalCapacity = 32;
    private int _intakeCapacity = 64;
    private int _interactiveCapacity = 64;
    private int _cloudCapacity = 256;
    private TimeSpan _conversationQuiet = TimeSpan.FromSeconds(20);
    private double _confirmationConfidence = 0.7;

    /// <summary>Budget of vehicle-control commands, admission to actuation. Default: 50 ms.</summary>
    public TimeSpan CriticalBudget { get => _criticalBudget; set => _criticalBudget = Positive(value); }

    /// <summary>Budget of on-board information and personalisation. Default: 250 ms.</summary>
    public TimeSpan InteractiveBudget { get => _interactiveBudget; set => _interactiveBudget = Positive(value); }

    /// <summary>Budget of handing a world question to the cloud route (admission to <c>routed_cloud</c>). Default: 10 s.</summary>
    public TimeSpan CloudBudget { get => _cloudBudget; set => _cloudBudget = Positive(value); }

    /// <summary>
    /// How long the answer to a world question stays useful, from admission. It travels with the
    /// query as its deadline: the bus drops a question whose deadline passes (its time-to-live is
    /// the sooner of this and <c>Bus:QueryTimeToLive</c>), and the user is told. A request's own
    /// budget replaces it. Default: 5 min (questions asked in a tunnel are answered after it).
    /// </summary>
    public TimeSpan CloudAnswerBudget { get => _cloudAnswerBudget; set => _cloudAnswerBudget = Positive(value); }

    /// <summary>Requests waiting for the critical lane. Default: 32.</summary>
    public int CriticalCapacity { get => _criticalCapacity; set => _criticalCapacity = AtLeastOne(value); }

    /// <summary>Utterances not guessed to be vehicle commands, waiting to be understood. Default: 64.</summary>
    public int IntakeCapacity { get => _intakeCapacity; set => _intakeCapacity = AtLeastOne(value); }

    /// <summary>Requests waiting for the interactive lane. Default: 64.</summary>
    public int InteractiveCapacity { get => _interactiveCapacity; set => _interactiveCapacity = AtLeastOne(value); }

    /// <summary>Requests waiting for the cloud lane. Default: 256.</summary>
    public int CloudCapacity { get => _cloudCapacity; set => _cloudCapacity = AtLeastOne(value); }

    /// <summary>
    /// How long a conversation's state (its last command, a pending question or confirmation)
    /// lives without a new turn. Default: 20 s.
    /// </summary>
    public TimeSpan ConversationQuiet
    {
        get => _conversationQuiet;
        set => _conversationQuiet = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ConversationQuiet must be positive.");
    }

    /// <summary>
    /// Critical commands understood with less confidence than this are not executed blind: the
    /// answer asks the user to confirm. Default: 0.7.
    /// </summary>
    public double ConfirmationConfidence
    {
        get => _confirmationConfidence;
        set => _confirmationConfidence = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ConfirmationConfidence must be 0-1.");
    }

    /// <summary>
    /// Keeps the critical lane's thread polling for work instead of sleeping: admission to start
    /// drops from a kernel wake-up (tens of microseconds, more on a busy machine) to a few
    /// microseconds, at the price of one core kept busy. For SoCs that dedicate a core to the
    /// critical lane. Default: false.
    /// </summary>
    public bool CriticalLaneSpins { get; set; }

    /// <summary>Overrides of the catalog's named policy limits (e.g. <c>window_open_max_speed</c>). Default: none.</summary>
    public Dictionary<string, double> Limits { get; } = new(StringComparer.Ordinal);

    /// <summary>The budget of <paramref name="lane"/>.</summary>
    public TimeSpan BudgetOf(Catalog.Lane lane) => lane switch
    {
        Catalog.Lane.Critical => CriticalBudget,
        Catalog.Lane.Interactive => InteractiveBudget,
        _ => CloudBudget,
    };

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Budgets must be positive.");

    private static int AtLeastOne(int value) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Capacities must be at least 1.");
}
