using System.Globalization;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Responses;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Policy;

/// <summary>
/// The safety policy, all from the catalog and the channel's options: what must hold before a
/// command may move the vehicle. In order: every required slot said; every precondition of the
/// intent holds against the vehicle state now (speed limits, gear, doors ...), with the catalog's
/// limits overridden by <c>Channel:Limits</c>; then, unless the driver already confirmed it, a
/// critical command that actuates is confident enough and the catalog does not ask for a
/// confirmation (<c>confirm: always</c>, <c>confirm_when:</c>) — else it asks (nothing is asked
/// that would then be refused). Runs on the lane that actuates, immediately before the
/// actuation is planned.
/// </summary>
internal sealed class SafetyPolicy
{
    private readonly SignalStore _store;
    private readonly double _confirmationConfidence;
    private readonly ResponseTable _responses;
    private readonly Dictionary<string, double> _limits;

    /// <exception cref="ArgumentException">An override names a limit the catalog does not have.</exception>
    public SafetyPolicy(IntentCatalog catalog, SignalStore store, CommandChannelOptions options, ResponseTable responses)
    {
        _store = store;
        _confirmationConfidence = options.ConfirmationConfidence;
        _responses = responses;
        _limits = new Dictionary<string, double>(catalog.Limits, StringComparer.Ordinal);
        foreach (var (name, value) in options.Limits)
        {
            if (!_limits.ContainsKey(name))
            {
                throw new ArgumentException($"Channel:Limits:{name} is not a limit of the catalog ({string.Join(", ", _limits.Keys)}).", nameof(options));
            }

            _limits[name] = value;
        }
    }

    /// <summary>Null when the command may go ahead; otherwise the refusal (reason and what to say).</summary>
    /// <param name="intent">The intent.</param>
    /// <param name="understanding">What was understood, with the profile's values resolved.</param>
    /// <param name="display">Slot values as they are said back (for a confirmation's preview).</param>
    /// <param name="confirmed">The driver already said yes to this command: it is not asked again.</param>
    public PolicyRefusal? Check(IntentDefinition intent, Understanding understanding, IReadOnlyDictionary<string, string> display, bool confirmed = false)
    {
        if (understanding.MissingSlots.Count > 0)
        {
            var missing = understanding.MissingSlots[0].Replace('_', ' ');
            return new PolicyRefusal($"missing_slot: {missing}", ResponseTable.Format(_responses.MissingSlot, "slot", missing));
        }

        foreach (var precondition in intent.Preconditions)
        {
            if (!Holds(precondition, understanding.Slots))
            {
                var limit = precondition.Limit is null ? string.Empty : _limits[precondition.Limit].ToString(CultureInfo.InvariantCulture);
                var reason = precondition.Reason.Replace("{limit}", limit, StringComparison.Ordinal);
                return new PolicyRefusal("policy: " + reason, reason);
            }
        }

        var ask = confirmed ? null
            : intent.Lane == Lane.Critical && intent.Actuations.Count > 0 && understanding.Confidence < _confirmationConfidence
                ? string.Create(CultureInfo.InvariantCulture, $"confidence {understanding.Confidence:F2} below {_confirmationConfidence:F2}")
            : intent.ConfirmAlways ? "always"
            : intent.ConfirmWhen.FirstOrDefault(c => Holds(c, understanding.Slots)) is { } condition ? $"{condition.Signal ?? condition.Slot} {condition.Operator.ToString().ToLowerInvariant()} {condition.Value?.ToString(CultureInfo.InvariantCulture) ?? condition.Limit}"
            : null;
        if (ask is not null)
        {
            // A response that reports the state after the change ("it's set to {now} degrees") cannot be previewed.
            var preview = ResponseTemplate.Expand(intent.Response, name => display.GetValueOrDefault(name), null);
            return new PolicyRefusal(
                "confirmation_required: " + ask,
                preview is null
                    ? ResponseTable.Format(_responses.ConfirmIntent, "intent", intent.Name.Replace('.', ' ').Replace('_', ' '))
                    : ResponseTable.Format(_responses.ConfirmPreview, "preview", ResponseTemplate.Render(intent.Response, display)));
        }

        return null;
    }

    /// <summary>The first of the intent's preconditions on the vehicle state that does not hold now (slot conditions are skipped).</summary>
    public PolicyRefusal? CheckState(IntentDefinition intent)
    {
        foreach (var precondition in intent.Preconditions.Where(p => p.Signal is not null))
        {
            if (!Holds(precondition, []))
            {
                var limit = precondition.Limit is null ? string.Empty : _limits[precondition.Limit].ToString(CultureInfo.InvariantCulture);
                var reason = precondition.Reason.Replace("{limit}", limit, StringComparison.Ordinal);
                return new PolicyRefusal("policy: " + reason, reason);
            }
        }

        return null;
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
            var value = _store.Get(precondition.Signal!);
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
}

/// <summary>Why the policy said no, and what to tell the user.</summary>
/// <param name="Reason">Machine-readable (<c>policy: ...</c>, <c>missing_slot: ...</c>, <c>confirmation_required: ...</c>).</param>
/// <param name="Response">What to say.</param>
internal sealed record PolicyRefusal(string Reason, string Response);
