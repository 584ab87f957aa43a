using System.Globalization;
using Vehicle.Sim.Trace;

namespace Vehicle.Sim.Import;

/// <summary>
/// Turns a CSV signal log (a header row; a time column in seconds plus named columns) into trace
/// signal events, keeping the columns a mapping names (<c>signal</c> = column name).
/// </summary>
public static class CsvImporter
{
    /// <summary>Decoded samples, time from the first row.</summary>
    /// <exception cref="FormatException">A missing column or a malformed row (file and line number).</exception>
    public static IEnumerable<(TimeSpan At, string Path, double Value)> Decode(string csvPath, string timeColumn, SignalMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        using var lines = BoundedLines.ReadFile(csvPath).GetEnumerator();
        var number = 0;
        string? Next()
        {
            if (!lines.MoveNext())
            {
                return null;
            }

            number++;
            return lines.Current ?? throw new FormatException($"{Path.GetFileName(csvPath)}:{number}: {BoundedLines.TooLong}");
        }

        var header = Next()?.Split(',').Select(h => h.Trim()).ToList() ?? throw new FormatException($"{csvPath}: empty file");
        var time = header.IndexOf(timeColumn);
        if (time < 0)
        {
            throw new FormatException($"{Path.GetFileName(csvPath)}:1: no time column '{timeColumn}' (columns: {string.Join(", ", header)})");
        }

        var columns = mapping.Signals.Select(m => (Index: header.IndexOf(m.Signal), Map: m)).ToList();
        if (columns.FirstOrDefault(c => c.Index < 0) is { Map: not null } missing)
        {
            throw new FormatException($"{Path.GetFileName(csvPath)}:1: no column '{missing.Map.Signal}'");
        }

        double? first = null;
        var last = new Dictionary<string, double>();
        while (Next() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != header.Count || !double.TryParse(cells[time], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || Math.Abs(seconds) > 1e12)
            {
                throw new FormatException($"{Path.GetFileName(csvPath)}:{number}: expected {header.Count} cells with a number in '{timeColumn}'");
            }

            first ??= seconds;
            foreach (var (index, map) in columns)
            {
                if (last.TryGetValue(map.Path, out var previous) && (seconds - previous) * 1000 < mapping.MinIntervalMs)
                {
                    continue;
                }

                if (!double.TryParse(cells[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw new FormatException($"{Path.GetFileName(csvPath)}:{number}: '{cells[index]}' in column '{map.Signal}' is not a number");
                }

                last[map.Path] = seconds;
                yield return (TimeSpan.FromSeconds(seconds - first.Value), map.Path, Math.Round((value * map.Scale) + map.Offset, map.Decimals));
            }
        }
    }
}
