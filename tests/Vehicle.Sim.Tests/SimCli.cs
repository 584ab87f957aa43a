using System.Diagnostics;

namespace Vehicle.Sim.Tests;

/// <summary>The simulator's command line, run as a real process from the test's output folder.</summary>
internal static class SimCli
{
    /// <summary>Runs <c>Vehicle.Sim.dll</c> with <paramref name="arguments"/>, its state (outboxes) under <paramref name="state"/>.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string state, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vehicle.Sim.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["XDG_STATE_HOME"] = state;
        // Wide enough that the summary's tables do not wrap the names a test looks for.
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
