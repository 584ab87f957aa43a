namespace Vehicle.Runtime.Tests;

/// <summary>Settings for a car run as a real process, on the real clock, beside other tests.</summary>
internal static class RealClock
{
    /// <summary>
    /// Gives the critical and interactive lanes 30 s budgets: these tests check what the car does, not how fast it is
    /// (that is perf/'s job), and a busy CI machine once turned the first command of a run into a missed 250 ms
    /// deadline. A test that checks deadlines sets its own budget after this.
    /// </summary>
    public static void GenerousBudgets(IDictionary<string, string?> environment)
    {
        environment["Channel__CriticalBudget"] = "00:00:30";
        environment["Channel__InteractiveBudget"] = "00:00:30";
    }
}
