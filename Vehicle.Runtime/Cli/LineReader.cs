using System.Text;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// Reads lines of bytes and decodes each one as strict UTF-8 on its own, so one line of invalid
/// UTF-8 is reported as such and every other line is still understood.
/// </summary>
internal sealed class LineReader(Stream input) : IDisposable
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly BufferedStream _input = new(input, 1 << 16);
    private readonly MemoryStream _line = new();
    private bool _first = true;

    /// <summary>The next line (without its line break), or null at the end of the input.</summary>
    public (string Text, bool Valid)? ReadLine()
    {
        _line.SetLength(0);
        int b;
        while ((b = _input.ReadByte()) >= 0 && b != '\n')
        {
            _line.WriteByte((byte)b);
        }

        if (b < 0 && _line.Length == 0)
        {
            return null;
        }

        var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r')
        {
            bytes = bytes[..^1];
        }

        // A byte-order mark at the very start of the input is not part of the first utterance.
        if (_first && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        _first = false;
        try
        {
            return (Strict.GetString(bytes), true);
        }
        catch (DecoderFallbackException)
        {
            return (Encoding.UTF8.GetString(bytes), false);
        }
    }

    public void Dispose()
    {
        _input.Dispose();
        _line.Dispose();
    }
}
