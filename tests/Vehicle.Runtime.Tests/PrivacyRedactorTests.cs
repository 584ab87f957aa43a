using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Tests;

public sealed class PrivacyRedactorTests
{
    private static readonly Redactor Redactor = new();
    private static readonly ProfileSnapshot Profile = new(PrivacyCorpus.Profile());

    [Theory]
    [InlineData("1M8GDM9AXKP042788", true)] // check digit X
    [InlineData("11111111111111111", true)]
    [InlineData("1HGCM82633A004352", true)]
    [InlineData("JH4KA7561PC008269", true)]
    [InlineData("1m8gdm9axkp042788", true)] // any case
    [InlineData("1M8GDM9A1KP042788", false)] // wrong 9th character
    [InlineData("1HGCM82643A004352", false)]
    [InlineData("JH4KA756XPC008269", false)]
    [InlineData("1M8GDM9AXKP04278", false)] // 16 characters
    [InlineData("1M8GDM9AXKP0427881", false)] // 18 characters
    [InlineData("1M8GDM9AXKO042788", false)] // O never occurs in a VIN
    [InlineData("IHGCM82633A004352", false)] // nor I
    [InlineData("1HGCM82633Q004352", false)] // nor Q
    public void VinCheckDigit_KnownVins_ValidatesPositionNine(string vin, bool valid) =>
        Assert.Equal(valid, PiiRules.VinCheckDigit(vin));

    [Theory]
    [InlineData("1M8GDM9AXKP042788")]
    [InlineData("1HGCM82633A004352")]
    [InlineData("JH4KA7561PC008269")]
    [InlineData("11111111111111111")]
    public void VinCheckDigitOf_ValidVin_IsItsNinthCharacter(string vin) =>
        Assert.Equal(vin[8], PiiRules.VinCheckDigitOf(vin));

    [Theory]
    [InlineData("my vin is 1M8GDM9AXKP042788", "my vin is <VIN_1>")]
    [InlineData("decode 1HGCM82633A004352 please", "decode <VIN_1> please")]
    [InlineData("JH4KA7561PC008269 recall?", "<VIN_1> recall?")]
    [InlineData("my vin is 1M8GDM9A1KP042788", "my vin is 1M8GDM9A1KP042788")] // bad check digit: just a code
    [InlineData("my vin is 1M8GDM9AXKO042788", "my vin is 1M8GDM9AXKO042788")]
    public void Redact_Vin_OnlyWithAValidCheckDigit(string text, string expected) =>
        Assert.Equal(expected, Redactor.Redact(text, ProfileSnapshot.Empty).Text);

    [Theory]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("4111111111111111", true)]
    [InlineData("5500 0000 0000 0004", true)]
    [InlineData("3400 0000 0000 009", true)]
    [InlineData("4111 1111 1111 1112", false)]
    [InlineData("4111 1111 1111 1110", false)]
    [InlineData("5500 0000 0000 0005", false)]
    [InlineData("5500 0000 0000 0003", false)]
    [InlineData("3400 0000 0000 008", false)]
    [InlineData("3400 0000 0000 0010", false)]
    public void Luhn_CardNumbers_ChecksTheLastDigit(string number, bool valid) => Assert.Equal(valid, PiiRules.Luhn(number));

    [Theory]
    [InlineData("is 4111 1111 1111 1111 a visa", true)]
    [InlineData("is 4111-1111-1111-1111 a visa", true)]
    [InlineData("is 4111111111111111 a visa", true)]
    [InlineData("is 5500 0000 0000 0004 a mastercard", true)]
    [InlineData("is 3400 0000 0000 009 an amex", true)]
    [InlineData("is 4111 1111 1111 1112 a visa", false)]
    [InlineData("is 5500 0000 0000 0005 a mastercard", false)]
    [InlineData("is 3400 0000 0000 008 an amex", false)]
    public void Redact_CardNumber_OnlyWhenLuhnHolds(string text, bool card)
    {
        var redaction = Redactor.Redact(text, ProfileSnapshot.Empty);
        Assert.Equal(card, redaction.Entities.Any(e => e.Type == PiiType.Card));
        if (card)
        {
            Assert.Matches(@"^is <CARD_1> an? \w+$", redaction.Text);
        }
    }

    [Theory]
    [InlineData("what is at 48.1374, 11.5755 now", "what is at <LOCATION_1> now")]
    [InlineData("is -33.8688 151.2093 sydney", "is <LOCATION_1> sydney")]
    [InlineData("what is at 40.7128° N, 74.0060° W", "what is at <LOCATION_1>")]
    [InlineData("what is at 48°08'14.6\"N 11°34'31.8\"E today", "what is at <LOCATION_1> today")]
    [InlineData("elevation of 48.1374/11.5755?", "elevation of <LOCATION_1>?")]
    public void Redact_Coordinates_DecimalAndDms(string text, string expected)
    {
        var redaction = Redactor.Redact(text, ProfileSnapshot.Empty);
        Assert.Equal(expected, redaction.Text);
        Assert.Equal(PiiType.Location, Assert.Single(redaction.Entities).Type);
    }

    [Theory]
    [InlineData("what is at 95.1234, 11.5755")] // no latitude beyond 90
    [InlineData("what is at 45.1234, 181.5755")] // nor longitude beyond 180
    [InlineData("pi is 3.14159 and e is 2.71828")]
    [InlineData("is 48.1 11.5 close")] // too few decimals to be a position
    public void Redact_NumbersThatAreNoPosition_Stay(string text) => Assert.Equal(text, Redactor.Redact(text, ProfileSnapshot.Empty).Text);

    [Theory]
    [InlineData("+49 89 1234567")]
    [InlineData("089 1234567")]
    [InlineData("030 1234567")]
    [InlineData("+49 (0)89 1234567")]
    [InlineData("0049 89 1234567")]
    [InlineData("+1 (212) 555-0198")]
    [InlineData("212-555-0198")]
    [InlineData("(415) 555 0142")]
    [InlineData("212.555.0198")]
    [InlineData("+44 20 7946 0958")]
    [InlineData("020 7946 0958")]
    [InlineData("07700 900123")]
    [InlineData("+33 6 12 34 56 78")]
    [InlineData("06 12 34 56 78")]
    [InlineData("+81 3-1234-5678")]
    [InlineData("5551234567")]
    public void Redact_PhoneNumbersOfSeveralCountries_WholeNumberReplaced(string phone)
    {
        var redaction = Redactor.Redact($"who has the number {phone} please", ProfileSnapshot.Empty);
        Assert.Equal("who has the number <PHONE_1> please", redaction.Text);
        Assert.Equal(PiiType.Phone, Assert.Single(redaction.Entities).Type);
        Assert.Equal($"call {phone}", redaction.Restore("call <PHONE_1>"));
    }

    [Theory]
    [InlineData("what happened in 2019")]
    [InlineData("who ruled from 1990-2000")]
    [InlineData("who ruled 1990 - 2000")]
    [InlineData("is pi 3.14159")]
    [InlineData("history of route 66")]
    [InlineData("is the game at 12:30")]
    [InlineData("music of the 1920s")]
    [InlineData("is $1,000,000 a lot of money")]
    [InlineData("how far is 384,400 km")]
    [InlineData("what happened on 14.05.1990")]
    [InlineData("who won on 2024-05-14")]
    [InlineData("what happened on July 4 1776")]
    [InlineData("what is 25 times 17")]
    [InlineData("flights on the 737 max")]
    [InlineData("call 112")]
    public void Redact_NumbersThatAreNotPersonal_Stay(string text)
    {
        var redaction = Redactor.Redact(text, ProfileSnapshot.Empty);
        Assert.Equal(text, redaction.Text);
        Assert.Empty(redaction.Entities);
    }

    [Theory]
    [InlineData("mail john.doe@example.com about it", "mail <EMAIL_1> about it")]
    [InlineData("is Info+News@Mail.Example.co.uk real?", "is <EMAIL_1> real?")]
    [InlineData("write to a_b-c@sub.domain-x.org.", "write to <EMAIL_1>.")]
    [InlineData("send email to joe@aol dot com please", "send email to <EMAIL_1> please")] // as a recogniser writes it
    [InlineData("mail jo.b@mail dot example dot co dot uk", "mail <EMAIL_1>")]
    [InlineData("is user@localhost valid", "is user@localhost valid")] // no top-level domain
    [InlineData("what is dot com", "what is dot com")]
    [InlineData("what does @ mean in an email", "what does @ mean in an email")]
    public void Redact_Emails(string text, string expected) => Assert.Equal(expected, Redactor.Redact(text, ProfileSnapshot.Empty).Text);

    [Theory]
    [InlineData("whose car is M-AB 1234", "DE")]
    [InlineData("whose car is B-XY 12E", "DE")]
    [InlineData("whose car is AB12 CDE", "GB")]
    [InlineData("whose car is AB-123-CD", "FR")]
    [InlineData("whose car is 7ABC123", "US-CA")]
    public void Redact_PlatesByCountry(string text, string country)
    {
        var redaction = Redactor.Redact(text, ProfileSnapshot.Empty);
        Assert.True(redaction.Text == "whose car is <PLATE_1>", $"{country}: {redaction.Text}");
    }

    [Fact]
    public void Redact_PlatePatternsFromOptions_ReplaceTheDefaults()
    {
        var options = new PrivacyOptions();
        options.Plates.Clear();
        options.Plates["CH"] = @"(?:ZH|BE|GE) ?[0-9]{1,6}";
        var swiss = new Redactor(options);

        Assert.Equal("whose car is <PLATE_1>", swiss.Redact("whose car is ZH 123456", ProfileSnapshot.Empty).Text);
        Assert.Equal("whose car is M-AB 1234", swiss.Redact("whose car is M-AB 1234", ProfileSnapshot.Empty).Text);
    }

    [Theory]
    [InlineData("how old is 221 Baker Street", "how old is <ADDRESS_1>")]
    [InlineData("is 221 baker street nice", "is <ADDRESS_1> nice")]
    [InlineData("is 221 Baker Street, London open today", "is <ADDRESS_1> open today")]
    [InlineData("who lived at 10 downing street in the sixties", "who lived at <ADDRESS_1> in the sixties")]
    [InlineData("how old is Leopoldstraße 12", "how old is <ADDRESS_1>")]
    [InlineData("what is at leopoldstrasse 12a, 80802 München", "what is at <ADDRESS_1>")]
    [InlineData("is 350 Fifth Avenue, New York NY 10118 tall", "is <ADDRESS_1> tall")]
    public void Redact_StreetAddresses(string text, string expected) => Assert.Equal(expected, Redactor.Redact(text, ProfileSnapshot.Empty).Text);

    [Fact]
    public void Redact_AddressWithDirection_AtLeastStreetAndNumber()
    {
        var redaction = Redactor.Redact("who lives at 1600 Pennsylvania Avenue NW Washington", ProfileSnapshot.Empty);

        Assert.StartsWith("who lives at <ADDRESS_1>", redaction.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("1600", redaction.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Pennsylvania", redaction.Text, StringComparison.Ordinal);
        Assert.Equal("who lives at 1600 Pennsylvania Avenue NW Washington", redaction.Restore(redaction.Text));
    }

    [Theory]
    [InlineData("i was born on 12.04.1986 what is my sign", "i was born on <DATE_1> what is my sign")]
    [InlineData("I was born on April 12, 1986", "I was born on <DATE_1>")]
    [InlineData("born 12th of April 1986, am i a millennial", "born <DATE_1>, am i a millennial")]
    [InlineData("my birthday is 1986-04-12", "my birthday is <DATE_1>")]
    [InlineData("my birthday is 4/12/1986 so which weekday", "my birthday is <DATE_1> so which weekday")]
    [InlineData("date of birth 12 April 1986, how old am i", "date of birth <DATE_1>, how old am i")]
    [InlineData("my date of birth is 1990-01-31", "my date of birth is <DATE_1>")]
    [InlineData("what happened on July 4 1776", "what happened on July 4 1776")]
    [InlineData("what is the birthday paradox", "what is the birthday paradox")]
    public void Redact_DateOfBirth_OnlyAfterACue(string text, string expected) => Assert.Equal(expected, Redactor.Redact(text, ProfileSnapshot.Empty).Text);

    [Theory]
    [InlineData("what is a good gift for Maria Schneider", "what is a good gift for <PERSON_1>")]
    [InlineData("what is a good gift for maria schneider", "what is a good gift for <PERSON_1>")]
    [InlineData("what is a good gift for MARIA", "what is a good gift for <PERSON_1>")]
    [InlineData("what does schneider mean", "what does <PERSON_1> mean")]
    [InlineData("is it Maria's birthday", "is it <PERSON_1> birthday")]
    [InlineData("is it maria schneider's turn", "is it <PERSON_1> turn")]
    [InlineData("is it Maria’s turn", "is it <PERSON_1> turn")]
    [InlineData("the Schneiders are coming", "the <PERSON_1> are coming")]
    [InlineData("does bobby like jazz", "does <PERSON_1> like jazz")]
    [InlineData("what should mom cook", "what should mom cook")] // a kinship word names nobody by itself
    [InlineData("what does my sister like", "what does my sister like")]
    [InlineData("when does the boss arrive", "when does the boss arrive")]
    [InlineData("will it rain tomorrow", "will it rain tomorrow")] // "Will" only when capitalised
    [InlineData("ask Will about the rain", "ask <PERSON_1> about the rain")]
    [InlineData("will turner come", "<PERSON_1> come")] // the full name is identifying in any case
    [InlineData("which lane is faster", "which lane is faster")]
    [InlineData("what did Lane write", "what did <PERSON_1> write")]
    [InlineData("what did lee say", "what did <PERSON_1> say")]
    [InlineData("what did thomas brandt say", "what did <PERSON_1> say")]
    [InlineData("is the sleep good", "is the sleep good")] // part of a word is not the name
    public void Redact_ProfileNames(string text, string expected) => Assert.Equal(expected, Redactor.Redact(text, Profile).Text);

    [Theory]
    [InlineData("who has 089 123 45 67", "who has <PHONE_1>")] // Maria's number, another formatting
    [InlineData("who has 1234567", "who has <PHONE_1>")] // the last seven digits alone
    [InlineData("is maria.schneider@example.com right", "is <EMAIL_1> right")]
    [InlineData("what is m tb 4711", "what is <PLATE_1>")] // the owner's plate in words
    [InlineData("is April 12, 1986 a sunday", "is <DATE_1> a sunday")] // the owner's birthday, no cue needed
    [InlineData("who lived at leopoldstraße 12 before", "who lived at <ADDRESS_1> before")]
    [InlineData("what did the 2 sons of Lane Kowalski study", "what did the <ADDRESS_1> study")] // overlapping spans: nothing of either stays
    public void Redact_ProfileValues(string text, string expected) => Assert.Equal(expected, Redactor.Redact(text, Profile).Text);

    [Fact]
    public void Redact_OwnerVin_FromTheProfileInAnyCase()
    {
        var vin = PrivacyCorpus.OwnerVin;

        Assert.Equal("recall for <VIN_1>?", Redactor.Redact($"recall for {vin.ToLowerInvariant()}?", Profile).Text);
    }

    [Fact]
    public void Redact_SameValueTwice_SamePlaceholder()
    {
        var redaction = Redactor.Redact("is Maria older than Anna, and is maria taller than ANNA", Profile);

        Assert.Equal("is <PERSON_1> older than <PERSON_2>, and is <PERSON_1> taller than <PERSON_2>", redaction.Text);
        Assert.Equal(2, redaction.Count);
        Assert.Equal(["<PERSON_1>", "<PERSON_2>", "<PERSON_1>", "<PERSON_2>"], redaction.Entities.Select(e => e.Placeholder));
    }

    [Fact]
    public void Redact_SamePhoneDifferentlyWritten_SamePlaceholder()
    {
        var redaction = Redactor.Redact("is 212-555-0198 the same as (212) 555 0198 or 415 555 0142", ProfileSnapshot.Empty);

        Assert.Equal("is <PHONE_1> the same as <PHONE_1> or <PHONE_2>", redaction.Text);
    }

    [Fact]
    public void Redact_NothingPersonal_TextUnchangedAndRestoreIsIdentity()
    {
        var redaction = Redactor.Redact("who wrote hamlet", Profile);

        Assert.Equal("who wrote hamlet", redaction.Text);
        Assert.Empty(redaction.Entities);
        Assert.Equal("Shakespeare [1601].", redaction.Restore("Shakespeare [1601]."));
    }

    [Fact]
    public void Restore_ExactPlaceholders_RoundTrip()
    {
        const string Question = "can Maria Schneider call me at +44 20 7946 0958 or mail j.smith@example.com from 221 Baker Street";
        var redaction = Redactor.Redact(Question, Profile);

        Assert.DoesNotContain("Maria", redaction.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Question, redaction.Restore(redaction.Text));
    }

    [Theory]
    [InlineData("Tell [PERSON_1] hello.")]
    [InlineData("Tell <person_1> hello.")]
    [InlineData("Tell PERSON_1 hello.")]
    [InlineData("Tell < PERSON 1 > hello.")]
    [InlineData("Tell {PERSON-1} hello.")]
    [InlineData("Tell [ person 1 ] hello.")]
    public void Restore_MangledPlaceholder_StillFilled(string reply)
    {
        var redaction = Redactor.Redact("say hello to Maria", Profile);

        Assert.Equal("Tell Maria hello.", redaction.Restore(reply));
    }

    [Fact]
    public void Restore_DroppedRepeatedAndUnknownPlaceholders()
    {
        var redaction = Redactor.Redact("is Maria older than Robert", Profile);
        Assert.Equal("is <PERSON_1> older than <PERSON_2>", redaction.Text);

        Assert.Equal("Yes, Robert is younger.", redaction.Restore("Yes, <PERSON_2> is younger."));
        Assert.Equal("Maria, Maria and Robert.", redaction.Restore("<PERSON_1>, [PERSON_1] and PERSON_2."));
        Assert.Equal("Ask that person, or that number.", redaction.Restore("Ask <PERSON_9>, or <PHONE_1>."));
        Assert.Equal("I don't know.", redaction.Restore("I don't know."));
        Assert.Equal("Use snake_case or <b>bold</b>.", redaction.Restore("Use snake_case or <b>bold</b>."));
    }

    [Fact]
    public void PrivateState_RoundTrip_RestoresAfterARestart()
    {
        const string Question = "how far is Leopoldstraße 12 from 48.1374, 11.5755 for Anna Lee";
        var redaction = Redactor.Redact(Question, Profile);

        var state = redaction.ToPrivateState();
        var restored = Redaction.FromPrivateState(redaction.Text, state);

        Assert.Equal(Question, restored.Restore(redaction.Text));
        Assert.Equal(redaction.Count, restored.Count);
        Assert.Equal("that place", Redaction.FromPrivateState(redaction.Text, null).Restore("<LOCATION_1>"));
    }

    [Fact]
    public void CloudPrivacy_Prepare_SendsCoarsePositionOnlyWhenTheQuestionNeedsIt()
    {
        var privacy = new CloudPrivacy(new PrivacyOptions { LocationPrecisionKm = 10 }, () => Profile, () => (48.1374, 11.5755));

        var local = privacy.Prepare("what restaurants are near here");
        var world = privacy.Prepare("who wrote hamlet");
        var personal = privacy.Prepare("what is a good gift for Maria");

        Assert.NotNull(local.Position);
        Assert.Equal(10, local.Position.PrecisionKm);
        Assert.True(Math.Abs(local.Position.Latitude - 48.1374) <= 10 / 111.32, $"{local.Position}");
        Assert.NotEqual((48.1374, 11.5755), (local.Position.Latitude, local.Position.Longitude));
        Assert.Null(world.Position);
        Assert.Null(world.PrivateState);
        Assert.Equal("what is a good gift for <PERSON_1>", personal.Text);
        Assert.Equal("what is a good gift for Maria", Redaction.FromPrivateState(personal.Text, personal.PrivateState).Restore(personal.Text));
    }

    [Theory]
    [InlineData(48.1374, 11.5755, 10)]
    [InlineData(48.1399, 11.5701, 10)]
    [InlineData(-33.8688, 151.2093, 5)]
    [InlineData(64.1466, -21.9426, 1)]
    public void Coarsen_NearbyPositions_ShareTheCellCentre(double latitude, double longitude, double km)
    {
        var cell = CloudPrivacy.Coarsen(latitude, longitude, km);
        // A position a few metres away is in the same cell (unless it sits on a cell edge: these do not).
        var neighbour = CloudPrivacy.Coarsen(latitude + 0.0001, longitude + 0.0001, km);

        Assert.Equal(cell, neighbour);
        Assert.True(Math.Abs(cell.Latitude - latitude) <= km / 111.32, $"{cell}");
        Assert.Equal(km, cell.PrecisionKm);
    }

    [Fact]
    public void Inspect_PayloadWithAProfileValue_Objects_EvenJsonEscaped()
    {
        var privacy = new CloudPrivacy(new PrivacyOptions(), () => Profile);

        Assert.Null(privacy.Inspect("""{"text":"who wrote hamlet","speaker":"driver"}"""u8));
        Assert.Null(privacy.Inspect("""{"text":"what is a gift for <PERSON_1>"}"""u8));
        Assert.Equal("payload carries a known PERSON value from the profile", privacy.Inspect("""{"text":"a gift for Maria"}"""u8));
        Assert.NotNull(privacy.Inspect("""{"text":"a gift for Ma\u0072ia"}"""u8));
        Assert.NotNull(privacy.Inspect("""{"text":"who lives at Leopoldstra\u00dfe 12"}"""u8));
        Assert.NotNull(privacy.Inspect("""{"text":"who has 089-123-4567"}"""u8));
        Assert.Equal("payload is not JSON", privacy.Inspect("Maria"u8));
        Assert.Null(new CloudPrivacy(new PrivacyOptions(), () => ProfileSnapshot.Empty).Inspect("""{"text":"a gift for Maria"}"""u8));
    }
}
