using Vehicle.Runtime.Cli;

namespace Vehicle.Runtime.Tests;

public sealed class LineReaderTests
{
    [Fact]
    public void ReadLine_InvalidUtf8Line_FlaggedOthersIntact()
    {
        byte[] input = [.. "\uFEFFfirst\r\n"u8, 0xC3, 0x28, (byte)'\n', .. "third"u8];
        using var reader = new LineReader(new MemoryStream(input));

        Assert.Equal(("first", true), reader.ReadLine());
        Assert.False(reader.ReadLine()!.Value.Valid);
        Assert.Equal(("third", true), reader.ReadLine());
        Assert.Null(reader.ReadLine());
    }

    [Fact]
    public void ReadLine_EmptyLines_AreLines()
    {
        using var reader = new LineReader(new MemoryStream("\n\nx\n"u8.ToArray()));
        Assert.Equal(("", true), reader.ReadLine());
        Assert.Equal(("", true), reader.ReadLine());
        Assert.Equal(("x", true), reader.ReadLine());
        Assert.Null(reader.ReadLine());
    }
}
