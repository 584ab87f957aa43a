using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

/// <summary>Slot rules of the shipped catalog, intent given (the classifier is tested elsewhere).</summary>
public sealed class SlotExtractorTests
{
    [Theory]
    [InlineData("window.open", "open my window halfway", "window=driver;percent=50")]
    [InlineData("window.open", "open the back left window 30 percent", "window=rear_left;percent=30")]
    [InlineData("window.open", "crack the passenger window", "window=passenger;percent=10")]
    [InlineData("window.open", "open all the windows all the way", "window=all;percent=100")]
    [InlineData("window.open", "roll down the window seventy percent", "window=driver;percent=70")]
    [InlineData("window.open", "open the rear right window 25%", "window=rear_right;percent=25")]
    [InlineData("window.close", "close the windows", "window=driver")]
    [InlineData("climate.set_temperature", "set the temperature to twenty one degrees", "temperature=21;zone=driver")]
    [InlineData("climate.set_temperature", "make it 21.5 for the passenger", "temperature=21.5;zone=passenger")]
    [InlineData("climate.set_temperature", "set everyone's climate to 68", "temperature=68;unit=fahrenheit;zone=all")]
    [InlineData("climate.set_temperature", "set the back to 20 degrees celsius", "temperature=20;unit=celsius;zone=rear")]
    [InlineData("climate.set_temperature", "seventy two degrees fahrenheit please", "temperature=72;unit=fahrenheit;zone=driver")]
    [InlineData("climate.adjust_temperature", "make it warmer", "direction=up")]
    [InlineData("climate.adjust_temperature", "cool it down by 2 degrees", "direction=down;amount=2")]
    [InlineData("climate.adjust_temperature", "I'm freezing", "direction=up")]
    [InlineData("climate.adjust_temperature", "turn the heat down three degrees", "direction=down;amount=3")]
    [InlineData("climate.ac", "turn off the AC", "state=off")]
    [InlineData("climate.ac", "AC please", "state=on")]
    [InlineData("climate.ac", "I don't need the air conditioning anymore", "state=off")]
    [InlineData("climate.recirculation", "switch to fresh air", "state=off")]
    [InlineData("climate.fan", "fan to max", "level=10")]
    [InlineData("climate.fan", "set the fan to level 3", "level=3")]
    [InlineData("climate.fan", "turn the fan up", "direction=up")]
    [InlineData("climate.defrost", "defrost the rear window", "state=on;target=rear")]
    [InlineData("climate.defrost", "turn off the windshield defroster", "state=off;target=front")]
    [InlineData("seat.heating", "turn on my seat heater", "state=on;seat=driver")]
    [InlineData("seat.heating", "heat the passenger seat to level 2", "state=on;level=2;seat=passenger")]
    [InlineData("seat.heating", "seat heating on high for the back right", "state=on;level=3;seat=rear_right")]
    [InlineData("media.play", "play some jazz", "query=jazz")]
    [InlineData("media.play", "play Bohemian Rhapsody by Queen please", "query=Bohemian Rhapsody by Queen")]
    [InlineData("media.play", "play music", "")]
    [InlineData("media.volume", "volume to 15", "level=15")]
    [InlineData("media.volume", "turn it down", "direction=down")]
    [InlineData("media.volume", "max volume", "level=30")]
    [InlineData("nav.navigate", "take me home", "destination=home")]
    [InlineData("nav.navigate", "navigate to my office", "destination=work")]
    [InlineData("nav.navigate", "navigate to 221B Baker Street, London", "destination=221B Baker Street")]
    [InlineData("nav.navigate", "directions to the Golden Gate Bridge please", "destination=the Golden Gate Bridge")]
    [InlineData("nav.find_nearby", "find a charging station", "poi=charging_station")]
    [InlineData("nav.find_nearby", "any EV chargers around here", "poi=charging_station")]
    [InlineData("nav.find_nearby", "I need coffee", "poi=coffee")]
    [InlineData("phone.call", "call Mom", "contact=Mom")]
    [InlineData("phone.call", "give John Smith a call", "contact=John Smith")]
    [InlineData("phone.call", "call 555 0134", "number=5550134")]
    [InlineData("phone.call", "dial five five five one two three four", "number=5551234")]
    [InlineData("phone.message", "text Anna that I'm running late", "contact=Anna;message=I'm running late")]
    [InlineData("phone.message", "text Tom happy birthday", "contact=Tom;message=happy birthday")]
    [InlineData("phone.message", "send a message to dad saying see you soon", "contact=dad;message=see you soon")]
    [InlineData("adas.cruise", "set cruise control to 65", "state=on;speed=65")]
    [InlineData("adas.cruise", "cruise at a hundred and ten", "state=on;speed=110")]
    [InlineData("adas.cruise", "cancel cruise", "state=off")]
    [InlineData("adas.lane_keep", "disable lane keeping", "state=off")]
    [InlineData("lights.interior", "turn on the dome light", "state=on")]
    public void Extract_CatalogRules_FillSlots(string intent, string text, string expected)
    {
        var result = SlotExtractor.Extract(TestData.Catalog[intent], Utterance.Parse(text), Seat.Driver);
        Assert.Equal(expected, Render(result.Slots));
    }

    [Theory]
    [InlineData(Seat.Passenger, "window=passenger;percent=100")]
    [InlineData(Seat.RearLeft, "window=rear_left;percent=100")]
    [InlineData(Seat.RearRight, "window=rear_right;percent=100")]
    public void Extract_NoWindowSaid_DefaultsToSpeakerSeat(Seat speaker, string expected)
    {
        var result = SlotExtractor.Extract(TestData.Catalog["window.open"], Utterance.Parse("open my window"), speaker);
        Assert.Equal(expected, Render(result.Slots));
    }

    [Fact]
    public void Extract_RearSpeaker_ZoneIsRear()
    {
        var result = SlotExtractor.Extract(TestData.Catalog["climate.set_temperature"], Utterance.Parse("set it to 20"), Seat.RearLeft);
        Assert.Equal("temperature=20;zone=rear", Render(result.Slots));
    }

    [Fact]
    public void Extract_RequiredSlotMissing_IsReported()
    {
        var result = SlotExtractor.Extract(TestData.Catalog["climate.set_temperature"], Utterance.Parse("set the temperature"), Seat.Driver);
        Assert.Equal(["temperature"], result.Missing);
    }

    [Fact]
    public void Extract_VeryLongUtterance_Completes()
    {
        var text = "play " + string.Join(' ', Enumerable.Repeat("la", 5000));
        var result = SlotExtractor.Extract(TestData.Catalog["media.play"], Utterance.Parse(text), Seat.Driver);
        Assert.StartsWith("la la", result.Slots.Single().Value.Text, StringComparison.Ordinal);
    }

    private static string Render(IEnumerable<KeyValuePair<string, SlotValue>> slots) =>
        string.Join(';', slots.Select(s => $"{s.Key}={s.Value}"));
}
