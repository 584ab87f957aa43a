using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

public sealed class NumberParserTests
{
    [Theory]
    [InlineData("set it to 21", 21)]
    [InlineData("21.5 degrees", 21.5)]
    [InlineData("21,5 degrees", 21.5)]
    [InlineData("1,000 meters", 1000)]
    [InlineData("twenty one", 21)]
    [InlineData("twenty-one degrees", 21)]
    [InlineData("seventy two fahrenheit", 72)]
    [InlineData("twenty one point five", 21.5)]
    [InlineData("one hundred and five", 105)]
    [InlineData("a hundred and ten", 110)]
    [InlineData("two thousand", 2000)]
    [InlineData("zero", 0)]
    [InlineData("level three please", 3)]
    [InlineData("nineteen", 19)]
    public void FindNumbers_SpokenOrWritten_ReadsFirstNumber(string text, double expected)
    {
        var tokens = Utterance.Parse(text).Tokens;
        var numbers = NumberParser.FindNumbers(tokens, new bool[tokens.Length]);
        Assert.NotEmpty(numbers);
        Assert.Equal(expected, numbers[0].Value, 6);
    }

    [Theory]
    [InlineData("five five", new[] { 5.0, 5.0 })]
    [InlineData("twenty twelve", new[] { 20.0, 12.0 })]
    [InlineData("between 3 and 4", new[] { 3.0, 4.0 })]
    public void FindNumbers_AdjacentNumbers_AreSeparate(string text, double[] expected)
    {
        var tokens = Utterance.Parse(text).Tokens;
        Assert.Equal(expected, NumberParser.FindNumbers(tokens, new bool[tokens.Length]).Select(n => n.Value));
    }

    [Theory]
    [InlineData("turn on the a c")]
    [InlineData("open the window")]
    [InlineData("hundred")]
    public void FindNumbers_NoNumber_FindsNone(string text)
    {
        var tokens = Utterance.Parse(text).Tokens;
        Assert.Empty(NumberParser.FindNumbers(tokens, new bool[tokens.Length]));
    }

    [Theory]
    [InlineData("call 555 0134", "5550134")]
    [InlineData("dial (555) 123-4567 now", "5551234567")]
    [InlineData("call five five five oh one three four", "5550134")]
    [InlineData("call 911", "911")]
    public void FindDigitRun_PhoneNumbers_ReadsDigits(string text, string expected)
    {
        Assert.Equal(expected, NumberParser.FindDigitRun(Utterance.Parse(text).Tokens, 3)?.Digits);
    }

    [Theory]
    [InlineData("call mom")]
    [InlineData("oh call 12")]
    public void FindDigitRun_TooShortOrNone_ReturnsNull(string text)
    {
        Assert.Null(NumberParser.FindDigitRun(Utterance.Parse(text).Tokens, 3));
    }
}
