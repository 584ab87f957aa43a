using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

public sealed class YesNoTests
{
    [Theory]
    [InlineData("yes")]
    [InlineData("Yes, please.")]
    [InlineData("ok, yes please do")]
    [InlineData("sure why not")]
    [InlineData("go ahead then")]
    [InlineData("just do it")]
    [InlineData("yeah go on")]
    [InlineData("okay")]
    public void Yes_WholeUtterancesThatSayYes(string text)
    {
        Assert.True(YesNo.IsYes(text));
        Assert.False(YesNo.IsNo(text));
    }

    [Theory]
    [InlineData("no")]
    [InlineData("nope, not now")]
    [InlineData("no way")]
    [InlineData("no thank you")]
    [InlineData("don't do it")]
    [InlineData("okay no")]
    public void No_WholeUtterancesThatSayNo(string text)
    {
        Assert.True(YesNo.IsNo(text));
        Assert.False(YesNo.IsYes(text));
    }

    [Theory]
    [InlineData("yes open the trunk")]
    [InlineData("sure, what's the weather")]
    [InlineData("no I meant the passenger window")]
    [InlineData("stop the music")]
    [InlineData("do it again")]
    [InlineData("yesterday")]
    public void Neither_ACommandOrQuestionWithAYesOrNoWordInIt(string text)
    {
        Assert.False(YesNo.IsYes(text));
        Assert.False(YesNo.IsNo(text));
    }
}
