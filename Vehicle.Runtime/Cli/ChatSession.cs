using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// The interactive prompt: a person types commands and sees the outcome, the response and the
/// signals that changed. <c>:state</c> prints the vehicle state, <c>:set PATH VALUE</c> changes a
/// signal (e.g. <c>:set Vehicle.Speed 120</c>), <c>:quit</c> leaves.
/// </summary>
internal static class ChatSession
{
    public static void Run(CopilotHost car, Seat seat, TextReader input, TextWriter output)
    {
        using var changes = car.Signals.Subscribe();
        var gate = new Lock();
        car.UnclaimedCloudResult += result =>
        {
            lock (gate)
            {
                output.WriteLine($"  [cloud {result.Kind.ToContractName()}] {result.Question}: {result.Response}");
                output.Flush();
            }
        };
        output.WriteLine("Type a command (:state, :set PATH VALUE, :quit).");
        var suggestions = new Suggestions(car.Profile, TimeProvider.System, car.Options.Responses);
        Offer(suggestions.Due(driveStarted: true), output);
        Awaiting? asked = null;
        while (true)
        {
            output.Write(Prompt(asked));
            output.Flush();
            var line = input.ReadLine();
            if (line is null || line.Trim() == ":quit")
            {
                return;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line == ":state")
            {
                foreach (var signal in car.Signals.Definitions)
                {
                    output.WriteLine($"  {signal.Path} = {car.Signals.Get(signal.Path)}{(signal.Unit is null ? string.Empty : " " + signal.Unit)}");
                }

                continue;
            }

            if (line.StartsWith(":set ", StringComparison.Ordinal))
            {
                output.WriteLine("  " + Set(car.Signals, line[5..]));
                Drain(changes);
                continue;
            }

            if (suggestions.Pending is not null)
            {
                var accepted = suggestions.Answer(line, out var consumed);
                if (consumed && accepted is null)
                {
                    output.WriteLine($"  [suggestion] {car.Options.Responses.OfferDeclined}");
                    continue;
                }

                line = accepted ?? line;
            }

            var outcome = car.SubmitAsync(line, seat).AsTask().GetAwaiter().GetResult();
            output.WriteLine($"  [{outcome.Kind.ToContractName()}] {outcome.Response}");
            if (outcome.Reason is not null)
            {
                output.WriteLine($"  reason: {outcome.Reason}");
            }

            asked = outcome.Kind == OutcomeKind.Asked ? outcome.Awaiting : null;
            if (asked is not null)
            {
                output.WriteLine($"  waiting for: {asked.Kind}{(asked.Slot is null ? string.Empty : " " + asked.Slot)} ({asked.Intent}){(asked.Options is { } choices ? ": " + string.Join(", ", choices) : string.Empty)}");
            }

            foreach (var change in Drain(changes))
            {
                output.WriteLine($"  {change.Path}: {change.Previous} -> {change.Value}");
            }

            Offer(suggestions.Due(driveStarted: false), output);
        }
    }

    /// <summary>The prompt says what the copilot is waiting for, so the next line is read as the answer.</summary>
    private static string Prompt(Awaiting? asked) => asked switch
    {
        null => "> ",
        { Kind: "confirmation" } => "(yes/no) > ",
        { Options: { } options } => $"({string.Join(" / ", options)}) > ",
        _ => $"({asked.Slot}) > ",
    };

    private static void Offer(Suggestion? suggestion, TextWriter output)
    {
        if (suggestion is not null)
        {
            output.WriteLine($"  [suggestion] {suggestion.Text} (yes / no)");
        }
    }

    private static string Set(SignalStore store, string arguments)
    {
        var parts = arguments.Trim().Split(' ', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || store.Find(parts[0]) is not { } signal)
        {
            return "usage: :set PATH VALUE, with a PATH from :state";
        }

        if (!SignalValue.TryParse(parts[1], signal.Type, out var value))
        {
            return $"{parts[1]} is not a {signal.Type.ToString().ToLowerInvariant()} value";
        }

        return store.Set(signal.Path, value, "user") ?? $"{signal.Path} = {store.Get(signal.Path)}";
    }

    private static List<SignalChange> Drain(SignalSubscription subscription)
    {
        var changes = new List<SignalChange>();
        while (subscription.Changes.TryRead(out var change))
        {
            changes.Add(change);
        }

        return changes;
    }
}
