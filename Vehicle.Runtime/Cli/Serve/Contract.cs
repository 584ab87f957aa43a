using Vehicle.Copilot.V1;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Actuation = Vehicle.Copilot.V1.Actuation;
using SignalValue = Vehicle.Copilot.V1.SignalValue;
using SlotValue = Vehicle.Copilot.V1.SlotValue;

namespace Vehicle.Runtime.Cli.Serve;

/// <summary>The car's records as the local API's messages: the same fields as an <c>ask --batch</c> line.</summary>
internal static class Contract
{
    public static Outcome Outcome(CommandOutcome outcome, CloudResult? cloud, Seat seat, string conversation)
    {
        var understanding = outcome.Understanding ?? Understander.Rejected(outcome.Utterance, outcome.Reason ?? "rejected");
        var message = new Outcome
        {
            Text = understanding.Text,
            Intent = understanding.Intent ?? string.Empty,
            Confidence = Math.Round(understanding.Confidence, 3),
            Route = understanding.Route == Route.Cloud ? "cloud" : "onboard",
            LatencyMs = Math.Round(understanding.Latency.TotalMilliseconds, 3),
            Reason = outcome.Reason ?? understanding.Reason ?? string.Empty,
            Outcome_ = outcome.Kind.ToContractName(),
            Response = outcome.Response,
            Lane = outcome.Lane?.ToString().ToLowerInvariant() ?? string.Empty,
            TotalMs = Math.Round(outcome.Total.TotalMilliseconds, 3),
            Seat = seat.ToContractName(),
            Conversation = conversation,
            Context = outcome.Context,
        };
        if (outcome.Awaiting is { } awaiting)
        {
            message.Awaiting = new Copilot.V1.Awaiting { Kind = awaiting.Kind, Intent = awaiting.Intent, Slot = awaiting.Slot ?? string.Empty };
            message.Awaiting.Options.Add(awaiting.Options ?? []);
        }

        foreach (var (name, value) in understanding.Slots)
        {
            message.Slots[name] = value.Number is { } number ? new SlotValue { Number = number } : new SlotValue { Text = value.Text ?? string.Empty };
        }

        message.Missing.AddRange(understanding.MissingSlots);
        foreach (var actuation in outcome.Actuations)
        {
            message.Actuations.Add(new Actuation { Path = actuation.Path, Value = Value(actuation.Value) });
        }

        if (outcome.CloudQueryId is { } id)
        {
            message.Cloud = cloud is null
                ? new CloudAnswer { QueryId = id.ToString(), Outcome = outcome.Reason == "queued_offline" ? "queued" : "pending", Question = outcome.Utterance, Seat = seat.ToContractName() }
                : Cloud(cloud);
        }

        foreach (var command in outcome.Commands)
        {
            message.Commands.Add(Outcome(command with { Commands = [] }, null, seat, conversation));
        }

        using var buffer = new MemoryStream();
        using (var writer = new OutcomeJsonWriter(buffer))
        {
            writer.Write(understanding, outcome, cloud);
        }

        message.Json = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimEnd('\n');
        return message;
    }

    public static CloudAnswer Cloud(CloudResult result)
    {
        var answer = new CloudAnswer
        {
            QueryId = result.QueryId.ToString(),
            Outcome = result.Kind.ToContractName(),
            Response = result.Response,
            Reason = result.Reason ?? string.Empty,
            Question = result.Question,
            Seat = result.Speaker.ToContractName(),
        };
        if (result.Action is { } action)
        {
            answer.Action = new ActionOutcome
            {
                Text = action.Utterance,
                Outcome = action.Kind.ToContractName(),
                Response = action.Response,
                Reason = action.Reason ?? string.Empty,
            };
        }

        return answer;
    }

    public static SignalValue Value(Vehicle.SignalValue value) =>
        value.Boolean is { } flag ? new SignalValue { Flag = flag }
        : value.Number is { } number ? new SignalValue { Number = number }
        : new SignalValue { Text = value.Text ?? string.Empty };
}
