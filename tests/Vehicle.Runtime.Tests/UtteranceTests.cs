using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

public sealed class UtteranceTests
{
    [Theory]
    [InlineData("  open\tthe\u0000 window \r\n", "open the window")]
    [InlineData("driver\u2019s window", "driver's window")]
    [InlineData("\u200Bopen\u200B", "open")]
    public void CleanText_ControlFormatAndWidth_Normalised(string input, string expected)
    {
        Assert.Equal(expected, Utterance.CleanText(input));
    }

    [Fact]
    public void Tokenize_PossessivesAndDecimals_KeepMeaningfulUnits()
    {
        var tokens = Utterance.Parse("Set everyone's temp to 21.5% NOW, it's cold").Tokens.Select(t => t.Text);
        Assert.Equal(["set", "everyone", "temp", "to", "21.5", "%", "now", "it's", "cold"], tokens);
    }

    [Fact]
    public void Parse_OffsetsPointIntoOriginalCase()
    {
        var utterance = Utterance.Parse("Call Anna Smith");
        var anna = utterance.Tokens[1];
        Assert.Equal("Anna", utterance.Clean.Substring(anna.Start, anna.Length));
    }
}
