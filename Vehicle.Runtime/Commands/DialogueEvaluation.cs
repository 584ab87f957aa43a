using System.Text.Json;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// Scores multi-turn dialogues (JSONL, one dialogue per line: <c>{"id", "turns": [{"text",
/// "seat"?, "conversation"?, "expect": {"intent"?, "outcome"?, "awaiting"?, "context"?,
/// "slots"?}}]}</c>): each dialogue on a car of its own (a fresh vehicle from the signal
/// definitions); a turn is right when every
/// expected field matches. A turn without a conversation is in its seat's (the car's default).
/// </summary>
internal static class DialogueEvaluation
{
    /// <summary>Runs every dialogue of <paramref name="path"/> on a car from <paramref name="startCar"/> (given a fresh signal store) and scores each turn.</summary>
    public static async Task<DialogueReport> EvaluateAsync(string path, Func<SignalStore, Task<CopilotHost>> startCar, string signalsPath)
    {
        int turns = 0, right = 0;
        var errors = new List<string>();
        var definitions = SignalStore.LoadDefinitions(signalsPath);
        foreach (var (number, line) in File.ReadLines(path).Select((l, i) => (i + 1, l)).Where(x => x.l.Trim().Length > 0))
        {
            using var document = JsonDocument.Parse(line);
            var dialogue = document.RootElement;
            var id = dialogue.GetProperty("id").GetString() ?? $"line {number}";
            await using var car = await startCar(new SignalStore(definitions)).ConfigureAwait(false);
            foreach (var turn in dialogue.GetProperty("turns").EnumerateArray())
            {
                turns++;
                var text = turn.GetProperty("text").GetString()!;
                var seat = turn.TryGetProperty("seat", out var named) && SeatNames.TryParse(named.GetString(), out var parsed) ? parsed : Seat.Driver;
                var conversation = turn.TryGetProperty("conversation", out var own) ? own.GetString() : null; // one per seat, as in the car
                var outcome = await car.SubmitAsync(new CommandRequest(text, seat, Conversation: conversation)).ConfigureAwait(false);
                var wrong = turn.TryGetProperty("expect", out var expect) ? Mismatch(outcome, expect) : null;
                if (wrong is null)
                {
                    right++;
                }
                else
                {
                    errors.Add($"{id}: \"{text}\" {wrong}");
                }
            }
        }

        return new DialogueReport(turns, right, errors);
    }

    private static string? Mismatch(CommandOutcome outcome, JsonElement expect)
    {
        foreach (var field in expect.EnumerateObject())
        {
            var got = field.Name switch
            {
                "intent" => outcome.Understanding?.Intent,
                "outcome" => outcome.Kind.ToContractName(),
                "awaiting" => outcome.Awaiting?.Kind,
                "context" => outcome.Context ? "true" : "false",
                _ => null,
            };
            if (field.Name == "slots")
            {
                foreach (var slot in field.Value.EnumerateObject())
                {
                    var value = outcome.Understanding?.Slots.FirstOrDefault(s => s.Key == slot.Name).Value.ToString();
                    var want = slot.Value.ValueKind == JsonValueKind.Number ? slot.Value.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture) : slot.Value.GetString();
                    if (value != want)
                    {
                        return $"slot {slot.Name} => {value ?? "(none)"}, expected {want}";
                    }
                }

                continue;
            }

            var expected = field.Value.ValueKind switch
            {
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => field.Value.GetString(),
            };
            if (got != expected)
            {
                return $"{field.Name} => {got ?? "(none)"} ({outcome.Reason}), expected {expected}";
            }
        }

        return null;
    }
}

/// <summary>Turns scored, turns right, and what went wrong.</summary>
internal sealed record DialogueReport(int Turns, int Right, IReadOnlyList<string> Errors)
{
    public double Accuracy => Turns == 0 ? 0 : (double)Right / Turns;
}

/// <summary>An understander shared by many cars (evaluation, benchmarks): a car's disposal leaves it alone.</summary>
internal sealed class UnownedUnderstander(IUtteranceUnderstander inner) : IUtteranceUnderstander
{
    public Understanding Understand(string? text, Seat speaker = Seat.Driver) => inner.Understand(text, speaker);

    public Catalog.Lane GuessLane(string? text) => inner.GuessLane(text);

    public void Dispose()
    {
    }
}
