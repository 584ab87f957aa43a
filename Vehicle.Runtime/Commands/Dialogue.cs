using System.Text.RegularExpressions;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Responses;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Commands;

/// <summary>
/// The conversation over the command channel. Per conversation (one per seat unless the caller
/// names one) it keeps, on board only, the last command the car carried out (its understanding
/// and the values it replaced) and what the copilot is waiting for: a missing slot, a
/// confirmation. The state expires after <see cref="CommandChannelOptions.ConversationQuiet"/> of
/// quiet (on the car's <see cref="TimeProvider"/>). Every turn still goes through the channel:
/// its lanes, deadlines and policy; a follow-up is a new request whose understanding the dialogue
/// completes (<see cref="CommandRequest.Proposal"/>), so its deadline starts when it is said.
/// </summary>
internal sealed partial class Dialogue(CommandChannel channel, IntentCatalog catalog, ResponseTable responses, TimeProvider time, CommandChannelOptions options)
{
    /// <summary>Undo the last command of the conversation.</summary>
    public const string UndoIntent = "system.undo";

    /// <summary>The last command of the conversation again, or with the slots the follow-up says changed.</summary>
    public const string FollowUpIntent = "dialogue.follow_up";

    // Conversations kept at most; the quietest are forgotten first.
    private const int MaxConversations = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs one turn of the request's conversation. A turn's steps (the look at "it", the answer
    /// to a question, each part of "x and y") follow each other on the lane thread that finished
    /// the step before, never waiting for a thread-pool thread; the caller gets the outcome handed
    /// on asynchronously, so its own code never runs on a lane's thread.
    /// </summary>
    public ValueTask<CommandOutcome> SubmitAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        var turn = TurnAsync(request, cancellationToken);
        if (turn.IsCompleted)
        {
            return turn;
        }

        var handoff = new TaskCompletionSource<CommandOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        turn.AsTask().ContinueWith(
            static (done, state) => ((TaskCompletionSource<CommandOutcome>)state!).TrySetFromTask(done),
            handoff,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return new ValueTask<CommandOutcome>(handoff.Task);
    }

    private async ValueTask<CommandOutcome> TurnAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        var id = request.Conversation ?? "seat:" + request.Speaker.ToContractName();
        if (request.FromCloud)
        {
            // A command the cloud suggests is not a turn; one that needs a yes is asked in the
            // speaker's conversation ("Shall I open the trunk?"), and the next "yes" runs it.
            var suggested = await channel.SubmitOnLaneAsync(request, cancellationToken).ConfigureAwait(false);
            if (suggested.Kind != OutcomeKind.Refused || suggested.Reason?.StartsWith("confirmation_required", StringComparison.Ordinal) != true)
            {
                return suggested;
            }

            lock (_gate)
            {
                Open(id);
            }

            return Remember(id, request, suggested, started: null);
        }

        // Requests already decided elsewhere (proposals, undos) are not turns.
        if (request.Proposal is not null || request.Restore is not null)
        {
            return await channel.SubmitOnLaneAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // A turn's time runs from here: a follow-up's outcome counts its understanding too.
        var started = time.GetTimestamp();
        var (pending, last) = Begin(id);
        var text = request.Utterance;

        if (pending is { Kind: "confirmation" })
        {
            if (YesNo.IsYes(text))
            {
                var confirmed = request with { Proposal = pending.Understanding with { Text = text, Latency = time.GetElapsedTime(started) }, Confirmed = true };
                return Remember(id, confirmed, await channel.SubmitOnLaneAsync(confirmed, cancellationToken).ConfigureAwait(false), started);
            }

            if (YesNo.IsNo(text))
            {
                return Said(request, OutcomeKind.Cancelled, responses.Cancelled, "declined", started) with { Context = true };
            }
        }
        else if ((pending is { Kind: "slot" } ? Fill(pending, text, request.Speaker) : pending is { Kind: "choice" } ? Choose(pending, text) : null) is { } filled)
        {
            var answered = Within(request with { Proposal = filled with { Latency = time.GetElapsedTime(started) } }, filled.Intent!, started);
            return Remember(id, answered, await channel.SubmitOnLaneAsync(answered, cancellationToken).ConfigureAwait(false), started);
        }

        // Anything else said instead drops what was pending and is handled on its own; a bare
        // yes or no with nothing pending does nothing to the vehicle.
        if (pending is null && (YesNo.IsYes(text) || YesNo.IsNo(text)))
        {
            return Said(request, OutcomeKind.Answered, responses.NothingPending, "nothing_pending", started);
        }

        if (Split(text) is { Count: > 1 } parts && await SeveralAsync(id, request, parts, started, cancellationToken).ConfigureAwait(false) is { } several)
        {
            return several;
        }

        // "Close it" after "open the passenger window": the pronoun is the last command's device.
        if (last is not null && Anaphor().Match(text) is { Success: true } pronoun)
        {
            var look = (await channel.SubmitOnLaneAsync(request with { UnderstandOnly = true }, cancellationToken).ConfigureAwait(false)).Understanding;
            var referred = Refer(last.Understanding, look, text, request.Speaker);
            if (referred is null && look?.Intent is not (UndoIntent or FollowUpIntent)
                && (look is not { Route: Route.Onboard } || catalog[look.Intent!].Actuations.Count == 0 || look.Confidence < options.ConfirmationConfidence))
            {
                // Not a vehicle command the words are sure of on their own ("shut it" heard as
                // "stop"): heard again with the device named ("shut sunroof").
                var named = text[..pronoun.Index] + Device(last.Understanding.Intent!) + text[(pronoun.Index + pronoun.Length)..];
                var again = (await channel.SubmitOnLaneAsync(request with { Utterance = named, UnderstandOnly = true }, cancellationToken).ConfigureAwait(false)).Understanding;
                referred = Refer(last.Understanding, again is null ? null : again with { Text = text }, text, request.Speaker);
            }

            if (referred is not null)
            {
                var resolved = Within(request with { Proposal = referred }, referred.Intent!, started);
                return Remember(id, resolved, await channel.SubmitOnLaneAsync(resolved, cancellationToken).ConfigureAwait(false), started);
            }

            request = look is { Intent: not null } ? request with { Proposal = look } : request;
        }

        var outcome = await channel.SubmitOnLaneAsync(request, cancellationToken).ConfigureAwait(false);
        if (outcome is { Kind: OutcomeKind.Answered, Understanding.Intent: UndoIntent or FollowUpIntent } understood)
        {
            if (last is null)
            {
                return understood with { Response = understood.Understanding!.Intent == UndoIntent ? responses.NothingToUndo : responses.NothingToRepeat, Reason = "nothing_before" };
            }

            var followUp = understood.Understanding!.Intent == UndoIntent
                ? Within(request with { Proposal = understood.Understanding, Restore = last.Previous }, UndoIntent, started)
                : Within(request with { Proposal = FollowUp(last.Understanding, text, request.Speaker) with { Latency = understood.Understanding.Latency } }, last.Understanding.Intent!, started);
            outcome = await channel.SubmitOnLaneAsync(followUp, cancellationToken).ConfigureAwait(false);
            return Remember(id, followUp, outcome, started);
        }

        // The same command as the last one, understood with low confidence ("make it 21 instead"
        // heard as a new temperature command): the conversation is the context that confirms it.
        if (outcome is { Kind: OutcomeKind.Refused, Understanding.Intent: { } same } && last?.Understanding.Intent == same
            && outcome.Reason?.StartsWith("confirmation_required: confidence", StringComparison.Ordinal) == true)
        {
            var confirmed = Within(request with { Proposal = outcome.Understanding, Confirmed = true }, same, started);
            return Remember(id, confirmed, await channel.SubmitOnLaneAsync(confirmed, cancellationToken).ConfigureAwait(false), started);
        }

        return Remember(id, request, outcome, started: null);
    }

    /// <summary>
    /// "Turn on the ac and close the windows": when the first part is an on-board command and
    /// every part is understood on its own with confidence (a command, or a question the model
    /// sends to the cloud), each part runs in order as its own request (its own lane, deadline,
    /// policy and outcome). Null when the words are one request ("play simon and garfunkel").
    /// </summary>
    private async Task<CommandOutcome?> SeveralAsync(string id, CommandRequest request, List<string> parts, long started, CancellationToken cancellationToken)
    {
        var understood = new List<Understanding>(parts.Count);
        foreach (var part in parts)
        {
            var look = await channel.SubmitOnLaneAsync(request with { Utterance = part, UnderstandOnly = true }, cancellationToken).ConfigureAwait(false);
            if (look.Understanding is not { Intent: { } intent } understanding
                || intent is UndoIntent or FollowUpIntent
                || (understanding.Route == Route.Cloud ? understanding.Reason is not null : understanding.Confidence < options.ConfirmationConfidence)
                || (understood.Count == 0 && understanding.Route == Route.Cloud))
            {
                return null;
            }

            understood.Add(understanding);
        }

        var outcomes = new List<CommandOutcome>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var one = request with { Utterance = parts[i], Proposal = understood[i] };
            outcomes.Add(Remember(id, one, await channel.SubmitOnLaneAsync(one, cancellationToken).ConfigureAwait(false), started: null));
        }

        // The whole utterance's outcome: the first command's, under the words as said.
        var first = outcomes[0];
        return first with { Utterance = request.Utterance, Understanding = first.Understanding! with { Text = request.Utterance }, Commands = outcomes, Total = time.GetElapsedTime(started) };
    }

    /// <summary>
    /// A turn's second pass (the command a slot answer, a follow-up, an undo or a pronoun resolved
    /// to; a command the context confirmed) runs within what is left of the turn's budget on the
    /// command's lane, not a fresh one: the deadline of what the driver said started when it was said.
    /// </summary>
    private CommandRequest Within(CommandRequest request, string intent, long started) =>
        request with { Budget = (request.Budget ?? options.BudgetOf(catalog[intent].Lane)) - time.GetElapsedTime(started) };

    /// <summary>The parts of an utterance joined by "and", "then", "and then", "and also" (at most four); one part when there is no joint.</summary>
    private static List<string> Split(string text)
    {
        var parts = Joint().Split(text).Select(p => p.Trim(' ', ',', '.')).Where(p => p.Length > 0).ToList();
        return parts.Count is > 1 and <= 4 && parts.All(p => p.Contains(' ', StringComparison.Ordinal)) ? parts : [text];
    }

    /// <summary>The conversation's pending question and last command, taken for this turn (a pending question is answered or dropped now).</summary>
    private (Pending? Pending, Turn? Last) Begin(string id)
    {
        lock (_gate)
        {
            var conversation = Open(id);
            var pending = conversation.Pending;
            conversation.Pending = null;
            return (pending, conversation.Last);
        }
    }

    /// <summary>The conversation, a new one when it was quiet too long; now active. Call under the lock.</summary>
    private Conversation Open(string id)
    {
        var now = time.GetTimestamp();
        if (!_conversations.TryGetValue(id, out var conversation) || time.GetElapsedTime(conversation.LastActivity, now) > options.ConversationQuiet)
        {
            if (_conversations.Count >= MaxConversations)
            {
                _conversations.Remove(_conversations.MinBy(c => c.Value.LastActivity).Key);
            }

            _conversations[id] = conversation = new Conversation();
        }

        conversation.LastActivity = now;
        return conversation;
    }

    /// <summary>Updates the conversation from the outcome: a refusal for a missing slot or a confirmation becomes a question.</summary>
    /// <param name="id">The conversation.</param>
    /// <param name="request">The request the channel ran.</param>
    /// <param name="outcome">Its outcome.</param>
    /// <param name="started">For a turn understood with the context: when it began (its outcome's total runs from there); null for a turn on its own.</param>
    private CommandOutcome Remember(string id, CommandRequest request, CommandOutcome outcome, long? started)
    {
        if (started is { } turn)
        {
            outcome = outcome with { Context = true, Total = time.GetElapsedTime(turn) };
        }

        var understanding = outcome.Understanding;
        Pending? pending = null;
        if (outcome.Kind == OutcomeKind.Refused && understanding?.Intent is { } intent)
        {
            if (outcome.Reason?.StartsWith("missing_slot", StringComparison.Ordinal) == true && understanding.MissingSlots.Count > 0)
            {
                pending = new Pending("slot", understanding, understanding.MissingSlots[0]);
                outcome = outcome with { Kind = OutcomeKind.Asked, Awaiting = new Awaiting("slot", intent, pending.Slot) };
            }
            else if (outcome.Reason?.StartsWith("confirmation_required", StringComparison.Ordinal) == true)
            {
                pending = new Pending("confirmation", understanding, null);
                outcome = outcome with { Kind = OutcomeKind.Asked, Awaiting = new Awaiting("confirmation", intent) };
            }
            else if (outcome.Awaiting is { Kind: "choice", Options: { Count: > 1 } options } choice)
            {
                pending = new Pending("choice", understanding, choice.Slot, options);
                outcome = outcome with { Kind = OutcomeKind.Asked };
            }
        }

        lock (_gate)
        {
            if (_conversations.TryGetValue(id, out var conversation))
            {
                conversation.LastActivity = time.GetTimestamp();
                conversation.Pending = pending;
                if (outcome.Kind == OutcomeKind.Executed)
                {
                    // An undo forgets the command it undid: a second "undo" has nothing to undo.
                    conversation.Last = request.Restore is null && understanding is not null && outcome.Previous.Count > 0
                        ? new Turn(understanding, outcome.Previous)
                        : null;
                }
            }
        }

        return outcome;
    }

    /// <summary>
    /// The last command again, with what the follow-up says changed: any slot of the last intent the
    /// words fill (by that intent's own slot rules: "off", "19", "the passenger"); a direction
    /// ("a bit more") turns an absolute command into its catalog <c>relative:</c> intent, keeping
    /// the slots both share (the zone) and dropping the absolute value; a value after a relative
    /// change turns it back into the absolute command.
    /// </summary>
    private Understanding FollowUp(Understanding last, string text, Seat speaker)
    {
        var intent = catalog[last.Intent!];
        var utterance = Parse(text);
        if (intent.Slots.All(s => s.Name != "direction") && intent.Relative is { } relativeName)
        {
            var relative = catalog[relativeName];
            var heard = Said(relative, utterance, speaker);
            if (heard.ContainsKey("direction"))
            {
                foreach (var (name, value) in last.Slots.Where(s => s.Value.Number is null && relative.Slots.Any(r => r.Name == s.Key)))
                {
                    heard.TryAdd(name, value);
                }

                return last with { Text = text, Intent = relativeName, Slots = [.. heard], MissingSlots = [] };
            }
        }

        var said = Said(intent, utterance, speaker);

        // "A bit more" continues the last change in its own direction; "a bit less" turns it back.
        if (MoreOrLess().Match(text) is { Success: true } amount && last.Slots.FirstOrDefault(s => s.Key == "direction").Value.Text is { } lastDirection)
        {
            said["direction"] = SlotValue.Of(amount.Groups["less"].Success ? (lastDirection == "up" ? "down" : "up") : lastDirection);
        }

        // After a relative change ("a bit more"), a value without a direction ("make it 19
        // instead") is the absolute command's: the intent whose `relative:` this one is.
        if (!said.ContainsKey("direction") && catalog.Intents.FirstOrDefault(i => i.Relative == intent.Name) is { } absolute
            && Said(absolute, utterance, speaker).Any(s => s.Value.Number is not null))
        {
            return last with { Text = text, Intent = absolute.Name, Slots = SlotExtractor.Extract(absolute, utterance, speaker).Slots, MissingSlots = [] };
        }

        var changed = last.Slots.Select(s => said.TryGetValue(s.Key, out var value) ? new KeyValuePair<string, SlotValue>(s.Key, value) : s)
            .Concat(said.Where(s => last.Slots.All(l => l.Key != s.Key)))
            .ToList();

        // A direction said again ("even louder") repeats a relative change; an absolute value said
        // with it would win over it, so it goes.
        if (said.ContainsKey("direction"))
        {
            changed.RemoveAll(s => s.Value.Number is not null && !said.ContainsKey(s.Key));
        }

        return last with { Text = text, Slots = changed, MissingSlots = [] };
    }

    /// <summary>The pending command with the slot it asked for filled from <paramref name="text"/>; null when the text does not fill it.</summary>
    private Understanding? Fill(Pending pending, string text, Seat speaker)
    {
        var intent = catalog[pending.Understanding.Intent!];
        var said = Said(intent, Parse(text), speaker);
        if (!said.ContainsKey(pending.Slot!))
        {
            // A text slot ("Where to?") takes a short answer as it is said ("the airport"), unless
            // the answer is a question or a command of its own.
            if (intent.Slots.FirstOrDefault(s => s.Name == pending.Slot) is not { Kind: SlotKind.Text }
                || BareAnswer().Match(text) is not { Success: true } bare)
            {
                return null;
            }

            said[pending.Slot!] = SlotValue.Of(bare.Groups["value"].Value.Trim());
        }

        // The slot asked for, and any other slot the answer says ("22 on the passenger side").
        var slots = pending.Understanding.Slots.Where(s => !said.ContainsKey(s.Key)).Concat(said).ToList();
        var missing = pending.Understanding.MissingSlots.Where(m => !said.ContainsKey(m)).ToList();
        return Answered(pending, text) with { Slots = slots, MissingSlots = missing };
    }

    /// <summary>
    /// The pending command with the slot of the choice set to the option the words pick: by its
    /// place ("the second one", "the last one", "number two") or by the words only it has ("Berg",
    /// "Anna Berg please"); null when they pick none or several.
    /// </summary>
    private Understanding? Choose(Pending pending, string text)
    {
        var options = pending.Options!;
        var index = -1;
        if (Ordinal().Match(text) is { Success: true } place)
        {
            index = place.Groups["n"].Value.ToLowerInvariant() switch
            {
                "first" or "1st" or "one" or "1" => 0,
                "second" or "2nd" or "two" or "2" => 1,
                "third" or "3rd" or "three" or "3" => 2,
                "fourth" or "4th" or "four" or "4" => 3,
                _ => options.Count - 1, // last
            };
        }
        else
        {
            var said = Utterance.Parse(text).Tokens.Select(t => t.Text).ToHashSet(StringComparer.Ordinal);
            var scores = options.Select(o => Utterance.Parse(o).Tokens.Count(t => said.Contains(t.Text))).ToList();
            var best = scores.Max();
            index = best > 0 && scores.Count(s => s == best) == 1 ? scores.IndexOf(best) : -1;
        }

        if (index < 0 || index >= options.Count)
        {
            return null;
        }

        var chosen = SlotValue.Of(options[index]);
        var slots = pending.Understanding.Slots.Select(s => s.Key == pending.Slot ? KeyValuePair.Create(s.Key, chosen) : s).ToList();
        return Answered(pending, text) with { Slots = slots };
    }

    /// <summary>
    /// The pending command, answered: the driver answered a question about it, which confirms the
    /// intent as a yes would (a low-confidence command is not asked about twice).
    /// </summary>
    private Understanding Answered(Pending pending, string text) =>
        pending.Understanding with { Text = text, Confidence = Math.Max(pending.Understanding.Confidence, options.ConfirmationConfidence) };

    /// <summary>
    /// A command said with a pronoun, resolved to the last command's device: the intent of the
    /// same action on the last command's device when the words named another ("shut it" after the
    /// sunroof, heard as a window: <c>sunroof.close</c>), and every slot the last command had that
    /// the words do not say ("close it": the window the last command opened). Null when the
    /// command has nothing to do with the last one's device.
    /// </summary>
    private Understanding? Refer(Understanding last, Understanding? now, string text, Seat speaker)
    {
        if (now is not { Intent: { } heard, Route: Route.Onboard } || heard is UndoIntent or FollowUpIntent)
        {
            return null;
        }

        var device = Device(last.Intent!);
        var intent = catalog[heard];
        var heardDevice = Device(heard);
        if (heardDevice != device)
        {
            // The same action on the last command's device: "window.close" -> "sunroof.close".
            if (catalog.Find(device + heard[heardDevice.Length..]) is not { } same)
            {
                return null;
            }

            intent = same;
        }

        var utterance = Parse(text);
        var said = Said(intent, utterance, speaker);
        var before = last.Slots.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        var slots = SlotExtractor.Extract(intent, utterance, speaker).Slots
            .Select(s => !said.ContainsKey(s.Key) && before.TryGetValue(s.Key, out var then) ? KeyValuePair.Create(s.Key, then) : s)
            .ToList();
        slots.AddRange(last.Slots.Where(l => intent.Slots.Any(d => d.Name == l.Key) && slots.All(s => s.Key != l.Key)));
        var missing = intent.Slots.Where(d => d.Required && slots.All(s => s.Key != d.Name)).Select(d => d.Name).ToList();
        return now with { Intent = intent.Name, Slots = slots, MissingSlots = missing };
    }

    /// <summary>The device an intent acts on: its name's first part ("window" of <c>window.close</c>).</summary>
    private static string Device(string intent) => intent[..Math.Max(0, intent.IndexOf('.', StringComparison.Ordinal))];

    /// <summary>
    /// The slots the words say, without the ones filled by a default: a slot that follows the
    /// speaker's seat ("my window") is said only when it is the same for another seat too.
    /// </summary>
    private static Dictionary<string, SlotValue> Said(IntentDefinition intent, Utterance utterance, Seat speaker)
    {
        var other = speaker == Seat.RearLeft ? Seat.Passenger : Seat.RearLeft;
        var elsewhere = SlotExtractor.Extract(intent, utterance, other).Slots;
        var said = new Dictionary<string, SlotValue>(StringComparer.Ordinal);
        foreach (var (name, value) in SlotExtractor.Extract(intent, utterance, speaker).Slots)
        {
            var definition = intent.Slots.FirstOrDefault(s => s.Name == name);
            var defaulted = definition is not null && (definition.DefaultFromSpeaker
                ? !elsewhere.Any(e => e.Key == name && e.Value == value)
                : definition.Default is { } fixedDefault && fixedDefault == value.ToString());
            if (!defaulted)
            {
                said[name] = value;
            }
        }

        return said;
    }

    /// <summary>"the driver one", "the passenger one": the word is a pronoun there, not a number.</summary>
    private static Utterance Parse(string text) => Utterance.Parse(PronounOne().Replace(text, "$1"));

    /// <summary>An outcome the dialogue gives itself (nothing reaches the vehicle): its total is the turn's own time.</summary>
    private CommandOutcome Said(CommandRequest request, OutcomeKind kind, string response, string reason, long started) =>
        new(kind, request.Utterance, null, null, [], response, reason, TimeSpan.Zero, time.GetElapsedTime(started));

    // One to four words, not a question or a request ("what ...", "can you ..."), without the
    // preposition or the "please" around it.
    [GeneratedRegex(@"^\s*(?!(?:what|who|where|when|why|how|is|are|can|could|would|will|do|does|please|turn|open|close|set|play|call|navigate|stop|cancel|never)\b)(?:to|at|for)?\s*(?<value>[\p{L}\p{N}'&-]+(?:\s+[\p{L}\p{N}'&-]+){0,3}?)\s*(?:please)?[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareAnswer();

    [GeneratedRegex(@"^\s*(?:(?:just\s+)?(?:a|an)\s+(?:little\s+)?(?:bit|touch|tad|notch|little)\s+|even\s+|some\s+|a\s+little\s+)?(?:(?<more>more)|(?<less>less))(?:\s+please)?[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MoreOrLess();

    [GeneratedRegex(@"\s*,?\s*\b(?:and\s+then|and\s+also|and|then)\b\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Joint();

    [GeneratedRegex(@"\b(the\s+\w+)\s+ones?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PronounOne();

    [GeneratedRegex(@"\b(?:it|that|this|them|those|these)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Anaphor();

    [GeneratedRegex(@"\b(?:(?<n>first|second|third|fourth|last|1st|2nd|3rd|4th)\b|(?:number|option|no\.?)\s+(?<n>one|two|three|four|[1-4])\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Ordinal();


    private sealed class Conversation
    {
        public long LastActivity { get; set; }

        public Pending? Pending { get; set; }

        public Turn? Last { get; set; }
    }

    /// <summary>What the copilot asked and for which command (and, for a choice, the options).</summary>
    private sealed record Pending(string Kind, Understanding Understanding, string? Slot, IReadOnlyList<string>? Options = null);

    /// <summary>The last command carried out and the values it replaced.</summary>
    private sealed record Turn(Understanding Understanding, IReadOnlyList<Actuation> Previous);
}
