using System.Globalization;
using System.Text;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// The safety policy and the translation of an understood intent into actuation requests and a
/// spoken response, all from the catalog: missing required slots, the confidence floor for
/// critical commands, preconditions against the vehicle state, actuation templates (path
/// expansion, relative values resolved against the state and clamped, unit conversion) and
/// response templates (slots and values read back from the state).
/// </summary>
internal sealed class CommandPlanner(IntentCatalog catalog, SignalStore store, CommandChannelOptions options, IPersonalProfile? profile = null)
{
    private readonly Dictionary<string, double> _limits = MergeLimits(catalog.Limits, options.Limits);

    public IntentCatalog Catalog => catalog;

    /// <summary>Decides what to do; <see cref="CommandPlan.Refusal"/> is set when the policy says no.</summary>
    public CommandPlan Plan(IntentDefinition intent, Understanding understanding)
    {
        IReadOnlyDictionary<string, string?> spoken = new Dictionary<string, string?>();
        if (profile is not null)
        {
            var resolution = ProfileResolver.Resolve(intent, understanding, profile.Current);
            if (resolution.Reason is not null)
            {
                return CommandPlan.Refuse(resolution.Reason, resolution.Response!, []);
            }

            understanding = resolution.Understanding;
            spoken = resolution.Spoken;
        }

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

        if (understanding.MissingSlots.Count > 0)
        {
            var missing = understanding.MissingSlots[0].Replace('_', ' ');
            return CommandPlan.Refuse($"missing_slot: {missing}", $"I need the {missing} for that.", display);
        }

        if (intent.Lane == Lane.Critical && intent.Actuations.Count > 0 && understanding.Confidence < options.ConfirmationConfidence)
        {
            // A response that reports the state after the change ("it's set to {now} degrees") cannot be previewed.
            var preview = Expand(intent.Response, name => display.GetValueOrDefault(name), null);
            return CommandPlan.Refuse(
                $"confirmation_required: confidence {understanding.Confidence:F2} below {options.ConfirmationConfidence:F2}",
                preview is null
                    ? $"Did you mean {intent.Name.Replace('.', ' ').Replace('_', ' ')}? Please say it again to confirm."
                    : $"Did you want me to do this: {Render(intent.Response, display)} Please say it again to confirm.",
                display);
        }

        foreach (var precondition in intent.Preconditions)
        {
            if (!Holds(precondition, slots))
            {
                var limit = precondition.Limit is null ? string.Empty : _limits[precondition.Limit].ToString(CultureInfo.InvariantCulture);
                var reason = precondition.Reason.Replace("{limit}", limit, StringComparison.Ordinal);
                return CommandPlan.Refuse("policy: " + reason, reason, display);
            }
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
                    return CommandPlan.Fail($"catalog_error: {intent.Name} writes unknown signal {path}");
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
            return CommandPlan.Refuse("missing_value", "How much? Please say a value.", display);
        }

        return new CommandPlan(null, null, null, actuations, display) { Understanding = understanding };
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

        return Render(intent.Response, values);
    }

    /// <summary>Fills <c>{name}</c> and <c>{name|fallback}</c> (missing: empty); capitalises the first letter.</summary>
    internal static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var text = Expand(template, name => values.GetValueOrDefault(name), string.Empty)!;
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }

    /// <summary>
    /// The one template syntax of the catalog: <c>{name}</c> is replaced by <paramref name="lookup"/>'s
    /// value, else by the fallback after <c>|</c>, else by <paramref name="missing"/>; null when that is null.
    /// </summary>
    private static string? Expand(string template, Func<string, string?> lookup, string? missing)
    {
        if (!template.Contains('{', StringComparison.Ordinal))
        {
            return template;
        }

        var builder = new StringBuilder(template.Length + 32);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            var close = open < 0 ? -1 : template.IndexOf('}', open);
            if (close < 0)
            {
                builder.Append(template, i, template.Length - i);
                break;
            }

            builder.Append(template, i, open - i);
            var placeholder = template[(open + 1)..close];
            var bar = placeholder.IndexOf('|', StringComparison.Ordinal);
            var value = lookup(bar < 0 ? placeholder : placeholder[..bar]) ?? (bar < 0 ? missing : placeholder[(bar + 1)..]);
            if (value is null)
            {
                return null;
            }

            builder.Append(value);
            i = close + 1;
        }

        return builder.ToString();
    }

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

    private bool Holds(Precondition precondition, IReadOnlyList<KeyValuePair<string, SlotValue>> slots)
    {
        double actual;
        if (precondition.Slot is not null)
        {
            if (Find(slots, precondition.Slot)?.Number is not { } number)
            {
                return true; // the slot was not said: nothing to check
            }

            actual = number;
        }
        else
        {
            var value = store.Get(precondition.Signal!);
            actual = value.Number ?? (value.Boolean is { } b ? (b ? 1 : 0) : double.NaN);
        }

        var limit = precondition.Value ?? _limits[precondition.Limit!];
        return precondition.Operator switch
        {
            ComparisonOperator.Eq => actual == limit,
            ComparisonOperator.Ne => actual != limit,
            ComparisonOperator.Lt => actual < limit,
            ComparisonOperator.Le => actual <= limit,
            ComparisonOperator.Gt => actual > limit,
            _ => actual >= limit,
        };
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
        Expand(template, name => Find(slots, name)?.ToString(), missing: null);

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

    private static Dictionary<string, double> MergeLimits(IReadOnlyDictionary<string, double> defaults, Dictionary<string, double> overrides)
    {
        var merged = new Dictionary<string, double>(defaults, StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            if (!merged.ContainsKey(name))
            {
                throw new ArgumentException($"Channel:Limits:{name} is not a limit of the catalog ({string.Join(", ", merged.Keys)}).", nameof(overrides));
            }

            merged[name] = value;
        }

        return merged;
    }
}

/// <summary>What the planner decided: a refusal (or failure) with its reason, or the actuations to apply.</summary>
internal sealed record CommandPlan(OutcomeKind? Refusal, string? Reason, string? RefusalResponse, IReadOnlyList<Actuation> Actuations, Dictionary<string, string> Display)
{
    /// <summary>The understanding planned from, with what the profile resolved (the number to dial, a preference).</summary>
    public Understanding? Understanding { get; init; }

    public static CommandPlan Refuse(string reason, string response, Dictionary<string, string> display) =>
        new(OutcomeKind.Refused, reason, response, [], display);

    public static CommandPlan Fail(string reason) =>
        new(OutcomeKind.Failed, reason, "Sorry, something went wrong.", [], new Dictionary<string, string>());
}
