using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Sim.Tests;

/// <summary>
/// The rig measures the stack that ships: the simulator's replay and <c>ask --batch</c>, both run
/// as the user runs them with the same configuration, give the same intent and outcome for every
/// utterance.
/// </summary>
public sealed class ReplayMatchesAskTests : IDisposable
{
    // Commands, personal commands resolved from the profile, refusals, questions for the cloud and
    // on-board answers, in an order where earlier commands change what later ones see.
    private static readonly string[] Utterances =
    [
        "open my window halfway",
        "set the temperature to 21 degrees",
        "call mom",
        "take me home",
        "who wrote hamlet",
        "lock the doors",
        "pop the trunk",
        "play some jazz",
        "how far can I go",
        "what can you do",
        "close all the windows",
        "call zorblax",
        "navigate to the lake house",
        "set it to my usual temperature",
        "what is the capital of australia",
        "turn on the seat heating for the passenger",
    ];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("replay-vs-ask-");

    [Fact]
    public async Task ReplayAndAskBatch_SameUtterancesAndConfiguration_SameIntentsAndOutcomes()
    {
        var trace = Path.Combine(_folder.FullName, "same.jsonl");
        await File.WriteAllLinesAsync(trace, Utterances.Select((text, i) => JsonSerializer.Serialize(new { t = i + 1, type = "utterance", text })));

        var replay = await RunAsync("Vehicle.Sim.dll", Profile("replay"), null, "replay", trace, "--out", Path.Combine(_folder.FullName, "out"));
        Assert.True(replay.Exit == 0, replay.Stderr);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder.FullName, "out", "report.json")));
        var replayed = report.RootElement.GetProperty("timeline").GetProperty("commands").EnumerateArray()
            .OrderBy(c => c.GetProperty("line").GetInt32())
            .Select(c => (Text: c.GetProperty("text").GetString(), Intent: c.GetProperty("intent").GetString(), Outcome: c.GetProperty("outcome").GetString()))
            .ToList();

        var ask = await RunAsync("Vehicle.Runtime.Cli.dll", Profile("ask"), string.Join('\n', Utterances) + "\n", "ask", "--batch");
        Assert.True(ask.Exit == 0, ask.Stderr);
        var asked = ask.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(o => (Text: o.GetProperty("text").GetString(), Intent: o.GetProperty("intent").GetString(), Outcome: o.GetProperty("outcome").GetString()))
            .ToList();

        Assert.Equal(Utterances, asked.Select(a => a.Text));
        Assert.Equal(asked, replayed);
        // Not a vacuous match: the profile, the policy and the cloud route all took part.
        Assert.Contains(asked, a => a is { Intent: "phone.call", Outcome: "answered" });
        Assert.Contains(asked, a => a is { Intent: "phone.call", Outcome: "refused" });
        Assert.Contains(asked, a => a.Outcome == "routed_cloud");
    }

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>The same configuration for both runs: a copy of the example profile, and budgets no loaded CI machine misses in real time.</summary>
    private Dictionary<string, string> Profile(string name)
    {
        var path = Path.Combine(_folder.FullName, name + ".db");
        using (var store = ProfileStore.Open(path))
        {
            store.ImportFile(Path.Combine(AppContext.BaseDirectory, "Privacy", "example-profile.json"));
        }

        return new Dictionary<string, string>
        {
            ["Profile__Path"] = path,
            ["Channel__CriticalBudget"] = "00:00:05",
            ["Channel__InteractiveBudget"] = "00:00:05",
        };
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string dll, Dictionary<string, string> environment, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(input));
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await stdout, await stderr);
    }
}
