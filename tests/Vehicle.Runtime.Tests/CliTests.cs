using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Vehicle.Runtime.Tests;

/// <summary>The CLI contract, run as a real process.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task ProfileImport_ThenRedactBatch_PrintsWhatWouldLeaveTheCar_AndWipeForgets()
    {
        var folder = Directory.CreateTempSubdirectory("cli-profile-");
        var environment = new Dictionary<string, string> { ["Profile__Path"] = Path.Combine(folder.FullName, "profile.db") };
        var example = Path.Combine(AppContext.BaseDirectory, "Privacy", "example-profile.json");

        var (exit, _, stderr) = await RunAsync([], environment, "profile", "import", example);
        Assert.True(exit == 0, stderr);
        var input = Encoding.UTF8.GetBytes("is Maria Schneider free at 089 2345678\nwho wrote hamlet\n");
        (exit, var stdout, stderr) = await RunAsync(input, environment, "redact", "--batch");
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("is <PERSON_1> free at <PHONE_1>", lines[0].GetProperty("redacted").GetString());
        Assert.Equal(["PERSON", "PHONE"], lines[0].GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("who wrote hamlet", lines[1].GetProperty("redacted").GetString());
        // The removed values appear only in "text": nowhere else on stdout, and not on stderr.
        Assert.Single(AllIndexes(stdout, "Maria Schneider"));
        Assert.DoesNotContain("Maria", stderr, StringComparison.Ordinal);

        (exit, stdout, _) = await RunAsync([], environment, "profile", "export");
        Assert.Equal(0, exit);
        Assert.Contains("Maria Schneider", stdout, StringComparison.Ordinal);
        (exit, _, _) = await RunAsync([], environment, "profile", "wipe");
        Assert.Equal(0, exit);
        (_, stdout, _) = await RunAsync([], environment, "profile", "export");
        Assert.DoesNotContain("Maria", stdout, StringComparison.Ordinal);
    }

    private static List<int> AllIndexes(string text, string value)
    {
        var found = new List<int>();
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            found.Add(i);
        }

        return found;
    }

    [Fact]
    public async Task AskBatch_JsonLines_CarryConversationAndSeat_AndPlainLinesShareOne()
    {
        var input = Encoding.UTF8.GetBytes(string.Join('\n',
            "open my window halfway",
            """{"text": "undo that", "conversation": "someone-else"}""",
            "undo that",
            """{"text": "set the temperature to 20", "seat": "passenger"}""",
            """{"text": "unlock the doors", "conversation": "c1"}""",
            "yes",
            """{"text": "yes", "conversation": "c1"}""",
            """{"text": 5}""",
            """{"text": "open the window", "seat": "roof"}""",
            "{not json") + "\n");

        var (exit, stdout, stderr) = await RunAsync(input, new Dictionary<string, string> { ["Cloud__Mode"] = "off" }, "ask", "--batch");

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(10, lines.Count);
        Assert.Equal("executed", lines[0].GetProperty("outcome").GetString());
        Assert.Equal("nothing_before", lines[1].GetProperty("reason").GetString());
        Assert.Equal("executed", lines[2].GetProperty("outcome").GetString());
        Assert.True(lines[2].GetProperty("context").GetBoolean());
        Assert.Equal(0, lines[2].GetProperty("actuations")[0].GetProperty("value").GetDouble());
        Assert.Equal("passenger", lines[3].GetProperty("slots").GetProperty("zone").GetString());
        Assert.Equal("asked", lines[4].GetProperty("outcome").GetString());
        Assert.Equal("confirmation", lines[4].GetProperty("awaiting").GetProperty("kind").GetString());
        Assert.Equal("doors.unlock", lines[4].GetProperty("awaiting").GetProperty("intent").GetString());
        Assert.Equal("nothing_pending", lines[5].GetProperty("reason").GetString());
        Assert.Equal("executed", lines[6].GetProperty("outcome").GetString());
        Assert.Equal("yes", lines[6].GetProperty("text").GetString());
        foreach (var bad in lines.Skip(7))
        {
            Assert.StartsWith("invalid_line: ", bad.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.False(bad.TryGetProperty("outcome", out _));
        }
    }

    [Fact]
    public async Task AskBatch_MixedInput_OneJsonLinePerInputInOrder()
    {
        var longLine = "turn on the air conditioning " + new string('x', 9_971);
        byte[] input =
        [
            .. "open my window halfway\n"u8,
            .. "\n"u8,
            .. "   \n"u8,
            .. Encoding.UTF8.GetBytes("what's the weather in Cairo tomorrow\r\n"),
            0x66, 0xFF, 0xFE, 0x6F, (byte)'\n',
            .. Encoding.UTF8.GetBytes("set\u0007 the temperature to twenty one\n"),
            .. Encoding.UTF8.GetBytes(longLine + "\n"),
            .. Encoding.UTF8.GetBytes("打开车窗\n"),
            .. "call mom"u8,
        ];

        var (exit, stdout, stderr) = await RunAsync(input, "ask", "--batch");

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, lines.Length);
        var results = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal("open my window halfway", results[0].GetProperty("text").GetString());
        Assert.Equal("window.open", results[0].GetProperty("intent").GetString());
        Assert.Equal("driver", results[0].GetProperty("slots").GetProperty("window").GetString());
        Assert.Equal(50, results[0].GetProperty("slots").GetProperty("percent").GetDouble());
        Assert.Equal("onboard", results[0].GetProperty("route").GetString());
        Assert.True(results[0].GetProperty("latency_ms").GetDouble() > 0);
        Assert.InRange(results[0].GetProperty("confidence").GetDouble(), 0, 1);

        Assert.Equal("executed", results[0].GetProperty("outcome").GetString());
        Assert.Equal("critical", results[0].GetProperty("lane").GetString());
        Assert.Equal("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", results[0].GetProperty("actuations")[0].GetProperty("path").GetString());
        Assert.Equal(50, results[0].GetProperty("actuations")[0].GetProperty("value").GetDouble());
        Assert.Equal("Opening the driver window to 50 percent.", results[0].GetProperty("response").GetString());
        Assert.True(results[0].GetProperty("total_ms").GetDouble() >= results[0].GetProperty("latency_ms").GetDouble());
        Assert.Equal(("routed_cloud", "cloud"), (results[3].GetProperty("outcome").GetString(), results[3].GetProperty("lane").GetString()));

        Assert.Equal("empty_input", results[1].GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("intent").ValueKind);
        Assert.Equal("empty_input", results[2].GetProperty("reason").GetString());
        Assert.Equal("cloud", results[3].GetProperty("route").GetString());
        Assert.Equal("invalid_utf8", results[4].GetProperty("reason").GetString());
        Assert.Equal("climate.set_temperature", results[5].GetProperty("intent").GetString());
        Assert.Equal(21, results[5].GetProperty("slots").GetProperty("temperature").GetDouble());
        Assert.Equal(longLine, results[6].GetProperty("text").GetString());
        Assert.True(results[6].GetProperty("truncated").GetBoolean());
        Assert.Equal("unsupported_script", results[7].GetProperty("reason").GetString());
        Assert.Equal("phone.call", results[8].GetProperty("intent").GetString());
        Assert.All(results, r => Assert.Equal(
            ["text", "intent", "slots", "confidence", "route", "latency_ms"],
            r.EnumerateObject().Select(p => p.Name).Take(6)));
    }

    [Fact]
    public async Task Ask_OneUtterance_PrintsJson()
    {
        var (exit, stdout, stderr) = await RunAsync([], "ask", "turn the seat heating on for the passenger", "--seat", "rear_left");
        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("seat.heating", result.GetProperty("intent").GetString());
        Assert.Equal("passenger", result.GetProperty("slots").GetProperty("seat").GetString());
        Assert.Contains("Encoder running on CPU", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_CudaWithoutGpu_OneLineSaysCpuRuns()
    {
        var (exit, stdout, stderr) = await RunAsync([], new Dictionary<string, string> { ["Nlu__ExecutionProvider"] = "cuda" }, "ask", "lock the doors");
        Assert.True(exit == 0, stderr);
        Assert.Equal("doors.lock", JsonDocument.Parse(stdout).RootElement.GetProperty("intent").GetString());
        // One line per inference session (the critical and the interactive lane each own one).
        var lines = stderr.Split('\n').Where(l => l.Contains("Encoder running on", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, line => Assert.Contains("on CPU, Fp32 (1 intra-op thread(s)): the CUDA execution provider could not start", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ask_ConsoleTelemetry_GoesToStderrStdoutStaysJson()
    {
        var (exit, stdout, stderr) = await RunAsync("lock the doors\n"u8.ToArray(), new Dictionary<string, string> { ["Telemetry__Exporters"] = "console" }, "ask", "--batch");
        Assert.True(exit == 0, stderr);
        Assert.Equal("doors.lock", JsonDocument.Parse(stdout).RootElement.GetProperty("intent").GetString());
        Assert.Contains("understand", stderr, StringComparison.Ordinal);
        Assert.Contains("vehicle.nlu.duration", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ask")]
    [InlineData("ask", "x", "--batch")]
    [InlineData("ask", "x", "--seat", "roof")]
    public async Task Ask_BadArguments_ExitCodeTwoAndMessage(params string[] arguments)
    {
        var (exit, stdout, stderr) = await RunAsync([], arguments);
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.NotEmpty(stderr);
    }

    [Fact]
    public async Task Chat_StateSetAndCommand_ShowsOutcomeAndChanges()
    {
        var input = ":set Vehicle.Speed 120\nopen my window halfway\n:set Vehicle.Speed 0\nopen my window halfway\n:set Vehicle.Nope 1\n:state\n:quit\n"u8.ToArray();

        var (exit, stdout, stderr) = await RunAsync(input, "chat");

        Assert.True(exit == 0, stderr);
        Assert.Contains("Vehicle.Speed = 120", stdout, StringComparison.Ordinal);
        Assert.Contains("[refused] I can't open the windows above 100 km/h.", stdout, StringComparison.Ordinal);
        Assert.Contains("[executed] Opening the driver window to 50 percent.", stdout, StringComparison.Ordinal);
        Assert.Contains("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position: 0 -> 50", stdout, StringComparison.Ordinal);
        Assert.Contains("usage: :set PATH VALUE", stdout, StringComparison.Ordinal);
        Assert.Contains("  Vehicle.Powertrain.Range = 420000 m", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_AQuestionAskedBack_ThePromptSaysWhatItWaitsFor()
    {
        var input = "unlock the doors\nyes\nnavigate\nthe airport\n:quit\n"u8.ToArray();

        var (exit, stdout, stderr) = await RunAsync(input, "chat");

        Assert.True(exit == 0, stderr);
        Assert.Contains("waiting for: confirmation (doors.unlock)", stdout, StringComparison.Ordinal);
        Assert.Contains("(yes/no) >   [executed]", stdout, StringComparison.Ordinal);
        Assert.Contains("waiting for: slot destination (nav.navigate)", stdout, StringComparison.Ordinal);
        Assert.Contains("(destination) >   [executed] Starting navigation to the airport.", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogExport_EveryExampleOnce()
    {
        var (exit, stdout, stderr) = await RunAsync([], "catalog", "export");
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(TestData.Catalog.Intents.Sum(i => i.Examples.Count), lines.Count);
        Assert.Contains(lines, l => l.GetProperty("intent").GetString() == "cloud.query");
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task Ask_BrokenCatalog_ClearErrorNoStackTrace()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".yaml");
        await File.WriteAllTextAsync(path, "intents: [");
        try
        {
            var (exit, stdout, stderr) = await RunAsync([], new Dictionary<string, string> { ["Nlu__CatalogPath"] = path }, "ask", "hello");
            Assert.Equal(1, exit);
            Assert.Empty(stdout);
            // The encoder sessions start beside the catalog and may log before the error, which names the file.
            Assert.StartsWith("error: " + path, stderr[stderr.LastIndexOf("error: ", StringComparison.Ordinal)..], StringComparison.Ordinal);
            Assert.DoesNotContain(" info: Vehicle.Bus", stderr, StringComparison.Ordinal); // no broker started for a broken catalog
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Ask_WorldQuestion_AnsweredThroughTheEmbeddedBrokerAndResponder()
    {
        var (exit, stdout, stderr) = await RunAsync([], "ask", "what is the capital of australia");

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("routed_cloud", json.RootElement.GetProperty("outcome").GetString());
        var cloud = json.RootElement.GetProperty("cloud");
        Assert.Equal("answered", cloud.GetProperty("outcome").GetString());
        Assert.Equal("The capital of Australia is Canberra.", cloud.GetProperty("response").GetString());
        Assert.Contains("Embedded MQTT broker listening", stderr, StringComparison.Ordinal);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(byte[] stdin, params string[] arguments) =>
        RunAsync(stdin, new Dictionary<string, string>(), arguments);

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(byte[] stdin, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vehicle.Runtime.Cli.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Each run keeps its cloud outbox in a folder of its own: parallel runs never share pending queries.
        var state = Directory.CreateTempSubdirectory("cli-state-");
        start.Environment["XDG_STATE_HOME"] = state.FullName;
        start.Environment["Profile__Path"] = Path.Combine(state.FullName, "profile.db");
        RealClock.GenerousBudgets(start.Environment);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        state.Delete(recursive: true);
        return (process.ExitCode, await stdout, await stderr);
    }
}
