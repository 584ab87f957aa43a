using System.Text;

namespace Vehicle.Sim.Trace;

/// <summary>
/// Lines of a text file or stream, each at most <see cref="MaxLength"/> characters: a longer line
/// is never held whole in memory (a 1 GB line without a newline cannot exhaust the process), it
/// comes back as null so that the reader reports it by its line number.
/// </summary>
internal static class BoundedLines
{
    /// <summary>The longest line any reader of the simulator accepts: 64 Ki characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The message for a line that was too long.</summary>
    public const string TooLong = "line longer than 65536 characters";

    /// <summary>Each line (without its line break), or null for one longer than <paramref name="maxLength"/>.</summary>
    public static IEnumerable<string?> Read(TextReader reader, int maxLength = MaxLength)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var line = new StringBuilder();
        var overlong = false;
        var buffer = new char[4096];
        int read;
        var any = false;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var c = buffer[i];
                any = true;
                if (c == '\n')
                {
                    yield return overlong ? null : Trim(line);
                    line.Clear();
                    overlong = false;
                    any = false;
                }
                else if (!overlong)
                {
                    if (line.Length >= maxLength)
                    {
                        overlong = true;
                        line.Clear();
                    }
                    else
                    {
                        line.Append(c);
                    }
                }
            }
        }

        if (any)
        {
            yield return overlong ? null : Trim(line);
        }
    }

    /// <summary>The lines of a file, bounded as above.</summary>
    public static IEnumerable<string?> ReadFile(string path, int maxLength = MaxLength)
    {
        using var reader = new StreamReader(path);
        foreach (var line in Read(reader, maxLength))
        {
            yield return line;
        }
    }

    private static string Trim(StringBuilder line) =>
        line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
}
