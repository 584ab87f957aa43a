using System.Text.Json;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// One input line of <c>ask --batch</c>: plain text, or a JSON object <c>{"text": ..., "conversation":
/// "id", "seat": "passenger"}</c>. Plain lines, and objects without a conversation, share one
/// conversation; each other id is a conversation of its own.
/// </summary>
internal static class BatchLine
{
    /// <summary>The conversation of plain lines.</summary>
    public const string SharedConversation = "batch";

    /// <summary>The request a line asks for, or why it is not one.</summary>
    public static (string Text, Seat Seat, string Conversation, string? Error) Parse(string line, Seat defaultSeat)
    {
        if (!line.TrimStart().StartsWith('{'))
        {
            return (line, defaultSeat, SharedConversation, null);
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                return (line, defaultSeat, SharedConversation, "invalid_line: a JSON line needs \"text\" (a string)");
            }

            var seat = defaultSeat;
            if (root.TryGetProperty("seat", out var seatName) && (seatName.ValueKind != JsonValueKind.String || !SeatNames.TryParse(seatName.GetString(), out seat)))
            {
                return (line, defaultSeat, SharedConversation, "invalid_line: \"seat\" is driver, passenger, rear_left or rear_right");
            }

            var conversation = SharedConversation;
            if (root.TryGetProperty("conversation", out var id))
            {
                if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } named)
                {
                    return (line, defaultSeat, SharedConversation, "invalid_line: \"conversation\" is a non-empty string");
                }

                conversation = "id:" + named;
            }

            return (text.GetString()!, seat, conversation, null);
        }
        catch (JsonException e)
        {
            return (line, defaultSeat, SharedConversation, "invalid_line: not JSON: " + e.Message);
        }
    }
}
