using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Vehicle.Runtime.Privacy;

/// <summary>
/// The form of a text that personal-data patterns are matched against: every character folded to
/// its compatibility decomposition (NFKD) without nonspacing marks and format characters. So
/// full-width digits are ASCII digits, ligatures are spelled out, "Mu&#x0308;nchen", "München" and
/// "Munchen" are one form, and zero-width spaces and joiners, soft hyphens and byte-order marks
/// inside a word are gone: invisible or decomposed characters cannot hide a value. Every matched
/// range maps back to the original text, which is what gets replaced: what is not personal leaves
/// the car as written, and restoring a redaction gives back the original exactly. The fold comes
/// from a table generated from Unicode's data (<c>unicode-fold.py</c>): the runtime runs in
/// .NET's globalization-invariant mode, where <c>string.Normalize</c> does nothing.
/// </summary>
internal sealed class MatchText
{
    private static readonly Lazy<FrozenDictionary<int, string>> Fold = new(LoadFold);

    // For each character of Text: the original range [Starts[i], Ends[i]) it came from.
    private readonly int[]? _starts;
    private readonly int[]? _ends;

    private MatchText(string text, int[]? starts, int[]? ends)
    {
        Text = text;
        _starts = starts;
        _ends = ends;
    }

    /// <summary>The folded text.</summary>
    public string Text { get; }

    /// <summary>The matching form of <paramref name="original"/>.</summary>
    public static MatchText Of(string original)
    {
        if (Ascii.IsValid(original))
        {
            return new MatchText(original, null, null);
        }

        var fold = Fold.Value;
        var builder = new StringBuilder(original.Length);
        var starts = new List<int>(original.Length);
        var ends = new List<int>(original.Length);
        for (var i = 0; i < original.Length;)
        {
            var pair = char.IsHighSurrogate(original[i]) && i + 1 < original.Length && char.IsLowSurrogate(original[i + 1]);
            var length = pair ? 2 : 1;
            var codePoint = pair ? char.ConvertToUtf32(original[i], original[i + 1]) : original[i];
            var start = builder.Length;
            if (fold.TryGetValue(codePoint, out var folded))
            {
                builder.Append(folded);
            }
            else
            {
                builder.Append(original, i, length);
            }

            for (var k = start; k < builder.Length; k++)
            {
                starts.Add(i);
                ends.Add(i + length);
            }

            i += length;
        }

        var text = builder.ToString();
        return text == original ? new MatchText(original, null, null) : new MatchText(text, [.. starts], [.. ends]);
    }

    /// <summary>The matching form of a value (a profile name, an e-mail address).</summary>
    public static string Normalize(string value) => Of(value).Text;

    /// <summary>The range of the original text that <paramref name="start"/>..+<paramref name="length"/> of <see cref="Text"/> came from.</summary>
    public (int Start, int Length) ToOriginal(int start, int length)
    {
        if (_starts is null || _ends is null || length == 0)
        {
            return (start, length);
        }

        var originalStart = _starts[start];
        return (originalStart, _ends[start + length - 1] - originalStart);
    }

    private static FrozenDictionary<int, string> LoadFold()
    {
        using var stream = typeof(MatchText).Assembly.GetManifestResourceStream("unicode-fold.txt")
            ?? throw new InvalidOperationException("unicode-fold.txt is not embedded in Vehicle.Runtime");
        using var reader = new StreamReader(stream);
        var fold = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split(' ');
            var folded = new StringBuilder();
            foreach (var field in fields.AsSpan(1))
            {
                folded.Append(char.ConvertFromUtf32(int.Parse(field, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            fold[int.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = folded.ToString();
        }

        return fold.ToFrozenDictionary();
    }
}
