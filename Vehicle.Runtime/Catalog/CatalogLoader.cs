using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vehicle.Bus;
using Vehicle.Runtime.Nlu;
using YamlDotNet.Core;

namespace Vehicle.Runtime.Catalog;

/// <summary>
/// Reads the YAML intent catalog and validates it, so that an OEM's mistake is reported with the
/// intent and slot it concerns instead of surfacing later as a wrong answer.
/// </summary>
internal static class CatalogLoader
{
    /// <summary>Fewest example phrases per intent: fewer cannot train a robust head.</summary>
    public const int MinExamples = 10;

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(200);

    public static IntentCatalog Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new CatalogException($"Cannot read the intent catalog '{path}': {e.Message}", e);
        }

        return Parse(bytes, path);
    }

    public static IntentCatalog Parse(byte[] yamlBytes, string source)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(yamlBytes));
        CatalogDocument document;
        try
        {
            document = YamlJson.Deserialize(Encoding.UTF8.GetString(yamlBytes), RuntimeYaml.Default.CatalogDocument)
                ?? throw new CatalogException($"{source}: the catalog is empty.");
        }
        catch (YamlException e)
        {
            throw new CatalogException($"{source}: line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
        }

        if (document.Intents is not { Count: > 0 })
        {
            throw new CatalogException($"{source}: no intents.");
        }

        var limits = document.Limits ?? [];
        var intents = new List<IntentDefinition>(document.Intents.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var examples = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in document.Intents)
        {
            var intent = BuildIntent(raw, document.SlotTypes ?? [], limits, source);
            if (!names.Add(intent.Name))
            {
                throw new CatalogException($"{source}: intent '{intent.Name}' is defined twice.");
            }

            foreach (var example in intent.Examples)
            {
                if (examples.TryGetValue(example, out var other))
                {
                    throw new CatalogException($"{source}: the example \"{example}\" is listed under both '{other}' and '{intent.Name}'.");
                }

                examples[example] = intent.Name;
            }

            intents.Add(intent);
        }

        if (!names.Contains(IntentCatalog.CloudIntent))
        {
            throw new CatalogException($"{source}: the catalog must define '{IntentCatalog.CloudIntent}' (lane cloud) with examples of what is not an on-board command.");
        }

        foreach (var intent in intents.Where(i => i.Relative is not null))
        {
            if (intents.Find(i => i.Name == intent.Relative) is not { } relative || relative.Slots.All(s => s.Name != "direction"))
            {
                throw new CatalogException($"{source}: intent '{intent.Name}' names relative '{intent.Relative}', which is not an intent with a direction slot.");
            }
        }

        var outOfCatalog = (document.OutOfCatalog ?? []).Select(p => Utterance.Tokenize(p.ToLowerInvariant())).Where(t => t.Length > 0).ToArray();
        foreach (var intent in intents.Where(i => i.Name != IntentCatalog.CloudIntent))
        {
            if (intent.Examples.FirstOrDefault(e => IntentCatalog.Contains(Utterance.Parse(e).Tokens, outOfCatalog)) is { } example)
            {
                throw new CatalogException($"{source}: the example \"{example}\" of '{intent.Name}' contains an out_of_catalog phrase (it would never reach that intent).");
            }
        }

        return new IntentCatalog(intents, sha, source, limits) { OutOfCatalog = outOfCatalog };
    }

    private static IntentDefinition BuildIntent(IntentDocument raw, Dictionary<string, SlotDocument> types, Dictionary<string, double> limits, string source)
    {
        var name = raw.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            throw new CatalogException($"{source}: an intent has no name.");
        }

        var where = $"{source}: intent '{name}'";
        if (!Enum.TryParse<Lane>(raw.Lane, ignoreCase: true, out var lane) || !Enum.IsDefined(lane))
        {
            throw new CatalogException($"{where}: lane '{raw.Lane}' is not one of critical, interactive, cloud.");
        }

        var examples = (raw.Examples ?? []).Select(e => e?.Trim() ?? string.Empty).Where(e => e.Length > 0).ToList();
        if (examples.Count < MinExamples)
        {
            throw new CatalogException($"{where}: has {examples.Count} example phrases; at least {MinExamples} are needed.");
        }

        var slots = new List<SlotDefinition>();
        foreach (var (slotName, slotRaw) in raw.Slots ?? [])
        {
            slots.Add(BuildSlot(slotName, slotRaw, types, $"{where}, slot '{slotName}'"));
        }

        var slotNames = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            if (slot.Infer is { } infer && !slotNames.Contains(infer.FromSlot))
            {
                throw new CatalogException($"{where}, slot '{slot.Name}': infers from unknown slot '{infer.FromSlot}'.");
            }

            var before = slots.FindIndex(s => s.Name == slot.RestAfter);
            if (slot.RestAfter is not null && (before < 0 || before > slots.IndexOf(slot) || slots[before].Kind != SlotKind.Text))
            {
                throw new CatalogException($"{where}, slot '{slot.Name}': rest_after must name a text slot listed before it.");
            }
        }

        var actuations = new List<ActuationTemplate>();
        foreach (var a in raw.Actuations ?? [])
        {
            if (string.IsNullOrWhiteSpace(a.Signal) || !a.Signal.StartsWith("Vehicle.", StringComparison.Ordinal))
            {
                throw new CatalogException($"{where}: actuation signal '{a.Signal}' is not a VSS path (Vehicle.*).");
            }

            RequireKnownSlots(a.Signal, slotNames, $"{where}: actuation signal");
            RequireKnownSlots(a.Value ?? string.Empty, slotNames, $"{where}: actuation value");
            var when = a.When ?? [];
            foreach (var slot in when.Keys.Append(a.UnitSlot).OfType<string>())
            {
                if (!slotNames.Contains(slot))
                {
                    throw new CatalogException($"{where}: actuation refers to unknown slot '{slot}'.");
                }
            }

            if (a.Relative && !(a.Value ?? string.Empty).StartsWith("{direction}", StringComparison.Ordinal))
            {
                throw new CatalogException($"{where}: a relative actuation's value starts with {{direction}}.");
            }

            actuations.Add(new ActuationTemplate(a.Signal, a.Value ?? string.Empty, a.Scale ?? 1, a.Relative, when, a.UnitSlot));
        }

        var preconditions = new List<Precondition>();
        foreach (var p in raw.Preconditions ?? [])
        {
            if (string.IsNullOrWhiteSpace(p.Signal) == string.IsNullOrWhiteSpace(p.Slot)
                || !Enum.TryParse<ComparisonOperator>(p.Op, ignoreCase: true, out var op)
                || (p.Value is null) == (p.Limit is null)
                || string.IsNullOrWhiteSpace(p.Reason))
            {
                throw new CatalogException($"{where}: a precondition needs a signal or a slot, op (eq|ne|lt|le|gt|ge), a value or a limit, and a reason.");
            }

            if (p.Limit is not null && !limits.ContainsKey(p.Limit))
            {
                throw new CatalogException($"{where}: precondition uses unknown limit '{p.Limit}' (define it under limits:).");
            }

            if (p.Slot is not null && !slotNames.Contains(p.Slot))
            {
                throw new CatalogException($"{where}: precondition refers to unknown slot '{p.Slot}'.");
            }

            preconditions.Add(new Precondition(p.Signal, p.Slot, op, p.Value, p.Limit, p.Reason));
        }

        if (string.IsNullOrWhiteSpace(raw.Response))
        {
            throw new CatalogException($"{where}: has no response template.");
        }

        // confirm: always, or confirm_when: conditions on the vehicle state (or the slots) under
        // which the copilot asks before it acts.
        if (raw.Confirm is not (null or "always"))
        {
            throw new CatalogException($"{where}: confirm must be 'always' (or use confirm_when: conditions).");
        }

        var confirmWhen = new List<Precondition>();
        foreach (var c in raw.ConfirmWhen ?? [])
        {
            if (string.IsNullOrWhiteSpace(c.Signal) == string.IsNullOrWhiteSpace(c.Slot)
                || !Enum.TryParse<ComparisonOperator>(c.Op, ignoreCase: true, out var op)
                || (c.Value is null) == (c.Limit is null)
                || (c.Limit is not null && !limits.ContainsKey(c.Limit))
                || (c.Slot is not null && !slotNames.Contains(c.Slot)))
            {
                throw new CatalogException($"{where}: a confirm_when condition needs a signal or a known slot, op (eq|ne|lt|le|gt|ge), and a value or a known limit.");
            }

            confirmWhen.Add(new Precondition(c.Signal, c.Slot, op, c.Value, c.Limit, c.Reason ?? string.Empty));
        }

        var answers = new List<AnswerTemplate>();
        foreach (var (answerName, answer) in raw.Answers ?? [])
        {
            if (string.IsNullOrWhiteSpace(answer.Signal) || !answer.Signal.StartsWith("Vehicle.", StringComparison.Ordinal))
            {
                throw new CatalogException($"{where}: answer '{answerName}' needs a VSS signal.");
            }

            answers.Add(new AnswerTemplate(answerName, answer.Signal, answer.Scale ?? 1, answer.Decimals));
        }

        return new IntentDefinition
        {
            ConfirmAlways = raw.Confirm == "always",
            Relative = raw.Relative,
            ConfirmWhen = confirmWhen,
            Answers = answers,
            Fallback = raw.Fallback,
            Name = name,
            Lane = lane,
            Examples = examples,
            Slots = slots,
            Actuations = actuations,
            Preconditions = preconditions,
            Response = raw.Response,
        };
    }

    private static SlotDefinition BuildSlot(string name, SlotDocument own, Dictionary<string, SlotDocument> types, string where)
    {
        if (!IsSnakeCase(name))
        {
            throw new CatalogException($"{where}: slot names are lower-case snake_case.");
        }

        // A slot may name a reusable type and override parts of it.
        var type = own;
        if (own.Type is not null)
        {
            if (!types.TryGetValue(own.Type, out var shared))
            {
                throw new CatalogException($"{where}: unknown slot type '{own.Type}'.");
            }

            type = shared;
        }

        var kindText = own.Kind ?? type.Kind;
        if (!Enum.TryParse<SlotKind>(kindText, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            throw new CatalogException($"{where}: kind '{kindText}' is not one of enum, number, text, digits.");
        }

        // A slot's own values and aliases add phrases to its type's (an intent can teach "fresh
        // air" to mean off for recirculation without changing every on/off slot).
        var values = Merge(type.Values, own == type ? null : own.Values);
        var aliases = Merge(type.Aliases, own == type ? null : own.Aliases);
        var phraseSource = kind == SlotKind.Enum ? values : aliases;
        if (kind == SlotKind.Enum && values is not { Count: > 0 })
        {
            throw new CatalogException($"{where}: an enum slot needs values.");
        }

        var phrases = new List<PhraseValue>();
        foreach (var (value, synonyms) in phraseSource ?? [])
        {
            if (!IsSnakeCase(value))
            {
                throw new CatalogException($"{where}: value '{value}' must be lower-case snake_case.");
            }

            phrases.Add(new PhraseValue(Utterance.Tokenize(value.Replace('_', ' ')), value));
            foreach (var synonym in synonyms ?? [])
            {
                var tokens = Utterance.Tokenize(synonym.ToLowerInvariant());
                if (tokens.Length > 0)
                {
                    phrases.Add(new PhraseValue(tokens, value));
                }
            }
        }

        var defaultText = own.Default ?? type.Default;
        var fromSpeaker = string.Equals(defaultText, "speaker", StringComparison.Ordinal);
        var speaker = own.Speaker ?? type.Speaker ?? [];
        if (fromSpeaker && speaker.Count == 0)
        {
            throw new CatalogException($"{where}: 'default: speaker' needs a speaker map on the slot type.");
        }

        if (kind == SlotKind.Enum && defaultText is not null && !fromSpeaker && !values!.ContainsKey(defaultText))
        {
            throw new CatalogException($"{where}: default '{defaultText}' is not one of its values.");
        }

        var paths = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (value, segment) in own.Path ?? type.Path ?? [])
        {
            paths[value] = segment.ValueKind switch
            {
                JsonValueKind.String => [segment.GetString()!],
                JsonValueKind.Array when segment.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String) => [.. segment.EnumerateArray().Select(m => m.GetString()!)],
                _ => throw new CatalogException($"{where}: path of '{value}' must be a segment or a list of segments."),
            };
        }

        SlotInference? infer = null;
        if ((own.Infer ?? type.Infer) is { } i)
        {
            if (string.IsNullOrWhiteSpace(i.From) || string.IsNullOrWhiteSpace(i.Value))
            {
                throw new CatalogException($"{where}: infer needs from, above and value.");
            }

            infer = new SlotInference(i.From, i.Above, i.Value);
        }

        return new SlotDefinition
        {
            Name = name,
            Kind = kind,
            Required = own.Required || type.Required,
            Default = fromSpeaker ? null : defaultText,
            DefaultFromSpeaker = fromSpeaker,
            Values = values?.Keys.ToList() ?? [],
            Phrases = phrases,
            SpeakerMap = speaker,
            PathSegments = paths,
            Words = [.. (own.Words ?? type.Words ?? []).Select(w => new PhraseNumber(Utterance.Tokenize(w.Key.ToLowerInvariant()), w.Value))],
            Min = own.Min ?? type.Min,
            Max = own.Max ?? type.Max,
            Patterns = [.. (own.Patterns ?? type.Patterns ?? []).Select(p => CompilePattern(p, where))],
            Strip = [.. (own.Strip ?? type.Strip ?? []).Select(s => Utterance.Tokenize(s.ToLowerInvariant()).Select(t => t.Text).ToArray())],
            Ignore = (own.Ignore ?? type.Ignore ?? []).Select(s => s.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal),
            Infer = infer,
            IsName = own.Name || type.Name,
            MaxWords = own.MaxWords ?? type.MaxWords,
            RestAfter = own.RestAfter ?? type.RestAfter,
            Profile = (own.Profile ?? type.Profile) switch
            {
                null => null,
                "contact" => ProfileLookup.Contact,
                "place" => ProfileLookup.Place,
                var other => throw new CatalogException($"{where}: profile must be contact or place, not '{other}'."),
            },
            Preference = kind == SlotKind.Number || (own.Preference ?? type.Preference) is null
                ? own.Preference ?? type.Preference
                : throw new CatalogException($"{where}: only a number slot can take a preference."),
        };
    }

    /// <summary>Turns "give {} a call" into a regex whose group "v" is the span between the words.</summary>
    internal static Regex CompilePattern(string pattern, string where)
    {
        var parts = pattern.ToLowerInvariant().Split("{}");
        if (parts.Length != 2)
        {
            throw new CatalogException($"{where}: pattern \"{pattern}\" must contain exactly one {{}}.");
        }

        static string Words(string s) => string.Join(@"\s+", s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Regex.Escape));
        var prefix = Words(parts[0]);
        var suffix = Words(parts[1]);
        var builder = new StringBuilder(@"(?<![\w'])");
        if (prefix.Length > 0)
        {
            builder.Append(prefix).Append(@"\s+");
        }

        if (suffix.Length > 0)
        {
            builder.Append(@"(?<v>\S.*?)\s+").Append(suffix).Append(@"(?![\w'])");
        }
        else
        {
            builder.Append(@"(?<v>\S.*)$");
        }

        return new Regex(builder.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, RegexTimeout);
    }

    private static Dictionary<string, List<string>?>? Merge(Dictionary<string, List<string>?>? shared, Dictionary<string, List<string>?>? own)
    {
        if (own is null || shared is null)
        {
            return own ?? shared;
        }

        var merged = shared.ToDictionary(e => e.Key, e => (List<string>?)[.. e.Value ?? []], StringComparer.Ordinal);
        foreach (var (value, phrases) in own)
        {
            merged[value] = [.. merged.GetValueOrDefault(value) ?? [], .. phrases ?? []];
        }

        return merged;
    }

    private static void RequireKnownSlots(string template, HashSet<string> slots, string where)
    {
        foreach (Match m in Regex.Matches(template, @"\{([a-z_]+)(\|[^}]*)?\}"))
        {
            if (!slots.Contains(m.Groups[1].Value))
            {
                throw new CatalogException($"{where} '{template}' refers to unknown slot '{m.Groups[1].Value}'.");
            }
        }
    }

    private static bool IsSnakeCase(string s) => s.Length > 0 && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    // YAML shapes (read through RuntimeYaml). Unknown keys are errors, which catches typos such as
    // "exmples" instead of silently training on nothing.
    internal sealed class CatalogDocument
    {
        public int Version { get; set; }

        public Dictionary<string, SlotDocument>? SlotTypes { get; set; }

        public Dictionary<string, double>? Limits { get; set; }

        public List<string>? OutOfCatalog { get; set; }

        public List<IntentDocument>? Intents { get; set; }
    }

    internal sealed class IntentDocument
    {
        public string? Name { get; set; }

        public string? Lane { get; set; }

        public string? Description { get; set; }

        public List<string?>? Examples { get; set; }

        public Dictionary<string, SlotDocument>? Slots { get; set; }

        public List<ActuationDocument>? Actuations { get; set; }

        public List<PreconditionDocument>? Preconditions { get; set; }

        public string? Response { get; set; }

        public Dictionary<string, AnswerDocument>? Answers { get; set; }

        public string? Fallback { get; set; }

        public string? Confirm { get; set; }

        public string? Relative { get; set; }

        public List<PreconditionDocument>? ConfirmWhen { get; set; }
    }

    internal sealed class AnswerDocument
    {
        public string? Signal { get; set; }

        public double? Scale { get; set; }

        public int Decimals { get; set; }
    }

    internal sealed class SlotDocument
    {
        public string? Type { get; set; }

        public string? Kind { get; set; }

        public bool Required { get; set; }

        public string? Default { get; set; }

        public Dictionary<string, List<string>?>? Values { get; set; }

        public Dictionary<string, string>? Speaker { get; set; }

        public Dictionary<string, JsonElement>? Path { get; set; }

        public Dictionary<string, double>? Words { get; set; }

        public double? Min { get; set; }

        public double? Max { get; set; }

        public List<string>? Patterns { get; set; }

        public List<string>? Strip { get; set; }

        public List<string>? Ignore { get; set; }

        public Dictionary<string, List<string>?>? Aliases { get; set; }

        public InferDocument? Infer { get; set; }

        public bool Name { get; set; }

        public int? MaxWords { get; set; }

        public string? RestAfter { get; set; }

        public string? Profile { get; set; }

        public string? Preference { get; set; }
    }

    internal sealed class InferDocument
    {
        public string? From { get; set; }

        public double Above { get; set; }

        public string? Value { get; set; }
    }

    internal sealed class ActuationDocument
    {
        public string? Signal { get; set; }

        public string? Value { get; set; }

        public double? Scale { get; set; }

        public bool Relative { get; set; }

        public Dictionary<string, string>? When { get; set; }

        public string? UnitSlot { get; set; }
    }

    internal sealed class PreconditionDocument
    {
        public string? Signal { get; set; }

        public string? Slot { get; set; }

        public string? Op { get; set; }

        public double? Value { get; set; }

        public string? Limit { get; set; }

        public string? Reason { get; set; }
    }
}
