using System.Globalization;
using System.Text.RegularExpressions;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Policy;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// Turns an understood intent into actuation requests and a spoken response, all from the
/// catalog: the profile's values resolved first (contacts, places, preferences), then the
/// <see cref="SafetyPolicy"/>, then the actuation templates (path expansion, relative values
/// resolved against the state and clamped, unit conversion) and the response template (slots and
/// values read back from the state).
/// </summary>
internal sealed class CommandPlanner(IntentCatalog catalog, SignalStore store, SafetyPolicy policy, ResponseTable responses, IPersonalProfile profile)
{
    public IntentCatalog Catalog => catalog;

    /// <summary>Decides what to do; <see cref="CommandPlan.Refusal"/> is set when the profile or the policy says no.</summary>
    public CommandPlan Plan(IntentDefinition intent, Understanding understanding, bool confirmed = false)
    {
        var resolution = ProfileResolver.Resolve(intent, understanding, profile.Current, responses);
        if (resolution.Reason is not null)
        {
            return CommandPlan.Refuse(resolution.Reason, resolution.Response!, []) with { Choice = resolution.Choice };
        }

        understanding = resolution.Understanding;
        var spoken = resolution.Spoken;

        var slots = understanding.Slots;
        var display = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in slots)
        {
            if (!spoken.TryGetValue(name, out var said))
            {
                display[name] = Display(value);
            }
            else if (said is not null)
            {
                display[name] = said;
            }
        }

        if (policy.Check(intent, understanding, display, confirmed) is { } refusal)
        {
            return CommandPlan.Refuse(refusal.Reason, refusal.Response, display);
        }

        var actuations = new List<Actuation>();
        foreach (var template in intent.Actuations)
        {
            if (!Applies(template, slots))
            {
                continue;
            }

            foreach (var path in ExpandPath(template.Signal, intent, slots))
            {
                // A relative change only applies when no absolute value was set for the signal.
                if (template.Relative && actuations.Exists(a => a.Path == path))
                {
                    continue;
                }

                if (store.Find(path) is not { } signal)
                {
                    return CommandPlan.Fail($"catalog_error: {intent.Name} writes unknown signal {path}", responses.InternalError);
                }

                var value = Resolve(template, signal, slots, display);
                if (value is null)
                {
                    continue;
                }

                actuations.Add(new Actuation(path, value.Value));
            }
        }

        if (intent.Actuations.Count > 0 && actuations.Count == 0)
        {
            return CommandPlan.Refuse("missing_value", responses.MissingValue, display);
        }

        return new CommandPlan(null, null, null, actuations, display) { Understanding = understanding };
    }

    /// <summary>
    /// An undo: puts <paramref name="restore"/> back, as long as every intent of the catalog that
    /// writes one of those signals would be allowed now (its preconditions on the vehicle state:
    /// reopening a window is refused above the window speed limit, as opening it is).
    /// </summary>
    public CommandPlan PlanRestore(IReadOnlyList<Actuation> restore)
    {
        var display = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var actuation in restore)
        {
            if (store.Find(actuation.Path) is null)
            {
                return CommandPlan.Fail($"undo: unknown signal {actuation.Path}", responses.InternalError);
            }

            foreach (var writer in catalog.Intents.Where(i => i.Actuations.Any(a => Writes(a.Signal, actuation.Path))))
            {
                if (policy.CheckState(writer) is { } refusal)
                {
                    return CommandPlan.Refuse(refusal.Reason, refusal.Response, display);
                }
            }
        }

        return new CommandPlan(null, null, null, restore, display);
    }

    /// <summary>The spoken response, reading answers from the (already actuated) vehicle state.</summary>
    public string Respond(IntentDefinition intent, CommandPlan plan)
    {
        var values = new Dictionary<string, string>(plan.Display, StringComparer.Ordinal);
        foreach (var answer in intent.Answers)
        {
            var value = store.Get(answer.Signal);
            if (value.Text is { Length: 0 } && intent.Fallback is not null)
            {
                return intent.Fallback;
            }

            values[answer.Name] = value.Number is { } n
                ? Math.Round(n * answer.Scale, answer.Decimals).ToString(CultureInfo.InvariantCulture)
                : value.ToString();
        }

        return ResponseTemplate.Render(intent.Response, values);
    }

    /// <summary>Whether a signal template (with <c>{slot}</c> segments) can name <paramref name="path"/>.</summary>
    private static bool Writes(string template, string path) =>
        Regex.IsMatch(path, "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]*\}", ".+") + "$");

    private static string Display(SlotValue value) =>
        value.Number is { } n ? Math.Round(n, 1).ToString(CultureInfo.InvariantCulture) : (value.Text ?? string.Empty).Replace('_', ' ');

    private static bool Applies(ActuationTemplate template, IReadOnlyList<KeyValuePair<string, SlotValue>> slots)
    {
        foreach (var (slot, expected) in template.When)
        {
            if (SlotText(slots, slot) != expected)
            {
                return false;
            }
        }

        return true;
    }

    private SignalValue? Resolve(ActuationTemplate template, SignalDefinition signal, IReadOnlyList<KeyValuePair<string, SlotValue>> slots, Dictionary<string, string> display)
    {
        var sign = 1.0;
        var text = template.Value;
        if (template.Relative)
        {
            var direction = SlotText(slots, "direction");
            if (direction is null)
            {
                return null;
            }

            sign = direction == "down" ? -1 : 1;
            text = text["{direction}".Length..];
        }

        var filled = Fill(text, slots);
        if (filled is null || !SignalValue.TryParse(filled, signal.Type, out var value))
        {
            return null;
        }

        if (value.Number is not { } number)
        {
            return value;
        }

        number *= template.Scale;
        var converted = template.UnitSlot is not null && SlotText(slots, template.UnitSlot) == "fahrenheit" && signal.Unit == "celsius";
        if (converted)
        {
            number = Math.Round((number - 32) * 5 / 9 * 2, MidpointRounding.AwayFromZero) / 2;
        }

        if (template.Relative)
        {
            number = (store.Get(signal.Path).Number ?? 0) + (sign * number);
        }

        // Relative changes and out-of-range requests clamp to what the actuator accepts; the
        // response then says what was really set.
        var clamped = signal.Clamp(number);
        if (clamped != number && !template.Relative && !converted && text.StartsWith('{') && text.EndsWith('}') && template.Scale == 1)
        {
            display[text[1..^1].Split('|')[0]] = clamped.ToString(CultureInfo.InvariantCulture);
        }

        return SignalValue.Of(clamped);
    }

    private static IEnumerable<string> ExpandPath(string template, IntentDefinition intent, IReadOnlyList<KeyValuePair<string, SlotValue>> slots)
    {
        var open = template.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            yield return template;
            yield break;
        }

        var close = template.IndexOf('}', open);
        var name = template[(open + 1)..close];
        var value = SlotText(slots, name);
        if (value is null)
        {
            yield break;
        }

        var definition = intent.Slots.First(s => s.Name == name);
        var segments = definition.PathSegments.TryGetValue(value, out var mapped) ? mapped : [value];
        foreach (var segment in segments)
        {
            foreach (var rest in ExpandPath(template[(close + 1)..], intent, slots))
            {
                yield return template[..open] + segment + rest;
            }
        }
    }

    private static string? Fill(string template, IReadOnlyList<KeyValuePair<string, SlotValue>> slots) =>
        ResponseTemplate.Expand(template, name => Find(slots, name)?.ToString(), missing: null);

    private static SlotValue? Find(IReadOnlyList<KeyValuePair<string, SlotValue>> slots, string name)
    {
        foreach (var (key, value) in slots)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }

    private static string? SlotText(IReadOnlyList<KeyValuePair<string, SlotValue>> slots, string name) => Find(slots, name)?.ToString();
}

/// <summary>What the planner decided: a refusal (or failure) with its reason, or the actuations to apply.</summary>
internal sealed record CommandPlan(OutcomeKind? Refusal, string? Reason, string? RefusalResponse, IReadOnlyList<Actuation> Actuations, Dictionary<string, string> Display)
{
    /// <summary>The understanding planned from, with what the profile resolved (the number to dial, a preference).</summary>
    public Understanding? Understanding { get; init; }

    /// <summary>With a refusal for an ambiguous name: what to choose from.</summary>
    public Awaiting? Choice { get; init; }

    public static CommandPlan Refuse(string reason, string response, Dictionary<string, string> display) =>
        new(OutcomeKind.Refused, reason, response, [], display);

    public static CommandPlan Fail(string reason, string response) =>
        new(OutcomeKind.Failed, reason, response, [], new Dictionary<string, string>());
}
