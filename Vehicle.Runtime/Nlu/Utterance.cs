using System.Globalization;
using System.Text;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// An utterance prepared for rule matching: control and format characters removed, whitespace
/// collapsed, and split into lower-case word tokens that keep their offsets, so a span
/// found in the lower-case text can be cut from the original-case text.
/// </summary>
internal sealed class Utterance
{
    private Utterance(string clean, string lower, Token[] tokens)
    {
        Clean = clean;
        Lower = lower;
        Tokens = tokens;
    }

    /// <summary>The cleaned text, original case.</summary>
    public string Clean { get; }

    /// <summary><see cref="Clean"/> in lower case, same length (invariant lower-casing of the BMP keeps lengths).</summary>
    public string Lower { get; }

    public Token[] Tokens { get; }

    public static Utterance Parse(string text)
    {
        var clean = CleanText(text);
        var lower = clean.ToLowerInvariant();
        return new Utterance(clean, lower, Tokenize(lower));
    }

    /// <summary>Removes control and format characters and collapses whitespace.</summary>
    public static string CleanText(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            var isSpace = char.IsWhiteSpace(c) || category is UnicodeCategory.Control or UnicodeCategory.Format;
            if (isSpace)
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            // Curly apostrophes from phone keyboards and speech engines: "driver’s" == "driver's".
            builder.Append(c is '\u2019' or '\u2018' ? '\'' : c);
        }

        return builder.ToString();
    }

    /// <summary>Splits lower-case text into word tokens; also used to tokenise catalog phrases.</summary>
    public static Token[] Tokenize(string lower)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < lower.Length)
        {
            var c = lower[i];
            if (char.IsLetterOrDigit(c))
            {
                var start = i;
                while (i < lower.Length && IsWordChar(lower, i))
                {
                    i++;
                }

                // Possessives match their noun ("everyone's" is "everyone", "drivers'" is "drivers");
                // other contractions ("i'm", "don't") stay whole.
                var end = i;
                while (end > start && lower[end - 1] == '\'')
                {
                    end--;
                }

                if (end - start > 2 && lower[end - 1] == 's' && lower[end - 2] == '\'' && lower.AsSpan(start, end - start - 2) is not "it" and not "let" and not "that" and not "what" and not "there" and not "here" and not "who" and not "where")
                {
                    end -= 2;
                }

                tokens.Add(new Token(lower[start..end], start, end - start));
            }
            else if (c is '%' or '°')
            {
                tokens.Add(new Token(c.ToString(), i, 1));
                i++;
            }
            else
            {
                i++;
            }
        }

        return [.. tokens];
    }

    private static bool IsWordChar(string s, int i)
    {
        var c = s[i];
        if (char.IsLetterOrDigit(c) || c == '\'')
        {
            return true;
        }

        // A decimal point between digits stays inside the number: "21.5".
        return c is '.' or ',' && i > 0 && i + 1 < s.Length && char.IsDigit(s[i - 1]) && char.IsDigit(s[i + 1]);
    }
}

/// <summary>A lower-case word of an utterance and where it sits in the text.</summary>
internal readonly record struct Token(string Text, int Start, int Length)
{
    public int End => Start + Length;
}
