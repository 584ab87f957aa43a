using System.Globalization;
using System.Text.Json;
using Vehicle.Runtime.Catalog;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// Scores understanding against labelled JSONL (<c>{"text","intent","slots"}</c>): intent
/// accuracy, precision/recall/F1 of the cloud route, and slot accuracy (every labelled slot must
/// come out with the labelled value; slots the label omits, such as defaults, are not judged).
/// </summary>
internal static class NluEvaluation
{
    public static EvaluationReport Evaluate(Understander understander, IEnumerable<LabelledUtterance> data)
    {
        int count = 0, correct = 0, truePositive = 0, falsePositive = 0, falseNegative = 0, slotLines = 0, slotCorrect = 0;
        var errors = new List<string>();
        foreach (var item in data)
        {
            count++;
            var result = understander.Understand(item.Text);
            var wantCloud = item.Intent == IntentCatalog.CloudIntent;
            var gotCloud = result.Route == Route.Cloud;
            truePositive += wantCloud && gotCloud ? 1 : 0;
            falsePositive += !wantCloud && gotCloud ? 1 : 0;
            falseNegative += wantCloud && !gotCloud ? 1 : 0;
            if (result.Intent != item.Intent)
            {
                errors.Add($"intent: \"{item.Text}\" => {result.Intent} ({result.Confidence:F2}), labelled {item.Intent}");
                continue;
            }

            correct++;
            if (item.Slots.Count == 0)
            {
                continue;
            }

            slotLines++;
            var mismatch = item.Slots.FirstOrDefault(expected => !Matches(result, expected.Key, expected.Value));
            if (mismatch.Key is null)
            {
                slotCorrect++;
            }
            else
            {
                var got = result.Slots.FirstOrDefault(s => s.Key == mismatch.Key);
                errors.Add($"slot: \"{item.Text}\" {mismatch.Key} => {(got.Key is null ? "(none)" : got.Value.ToString())}, labelled {mismatch.Value}");
            }
        }

        var f1 = truePositive == 0 ? 0 : 2.0 * truePositive / ((2 * truePositive) + falsePositive + falseNegative);
        return new EvaluationReport(
            count,
            count == 0 ? 0 : (double)correct / count,
            truePositive + falsePositive == 0 ? 0 : (double)truePositive / (truePositive + falsePositive),
            truePositive + falseNegative == 0 ? 0 : (double)truePositive / (truePositive + falseNegative),
            f1,
            slotLines == 0 ? 1 : (double)slotCorrect / slotLines,
            errors);
    }

    public static List<LabelledUtterance> ReadJsonl(string path)
    {
        var items = new List<LabelledUtterance>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                var slots = new Dictionary<string, string>(StringComparer.Ordinal);
                if (root.TryGetProperty("slots", out var slotElement))
                {
                    foreach (var slot in slotElement.EnumerateObject())
                    {
                        slots[slot.Name] = slot.Value.ValueKind == JsonValueKind.Number
                            ? slot.Value.GetDouble().ToString("R", CultureInfo.InvariantCulture)
                            : slot.Value.GetString() ?? string.Empty;
                    }
                }

                items.Add(new LabelledUtterance(root.GetProperty("text").GetString()!, root.GetProperty("intent").GetString()!, slots));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{number}: not a labelled utterance ({e.Message}).", e);
            }
        }

        return items;
    }

    private static bool Matches(Understanding result, string slot, string expected)
    {
        foreach (var (name, value) in result.Slots)
        {
            if (name == slot)
            {
                return string.Equals(value.ToString(), expected, StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }
}

/// <summary>One labelled line: text, intent and the slots a person marked (value as text).</summary>
internal sealed record LabelledUtterance(string Text, string Intent, IReadOnlyDictionary<string, string> Slots);

/// <summary>Accuracy figures of one evaluation run.</summary>
internal sealed record EvaluationReport(int Count, double IntentAccuracy, double CloudPrecision, double CloudRecall, double CloudF1, double SlotAccuracy, IReadOnlyList<string> Errors);
