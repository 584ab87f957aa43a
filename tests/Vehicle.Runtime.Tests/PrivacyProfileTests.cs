using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Tests;

/// <summary>The on-board profile: the SQLite store, lookups, and resolution through a real command channel.</summary>
[Collection(UnderstanderGroup.Name)]
public sealed class PrivacyProfileTests(UnderstanderFixture fixture) : IDisposable
{
    private const string Destination = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Address";
    private const string DriverTemperature = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature";
    private static readonly string[] HistoryTemperatures = ["19", "23", "22", "20", "22"];
    private readonly string _directory = Directory.CreateTempSubdirectory("privacy-profile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // The writer used to die on the first "database is busy" (and its queue then grew for good).
    [Fact]
    public async Task HistoryWriter_DatabaseBusyForAWhile_RetriesAndStoresEverything()
    {
        var path = Path.Combine(_directory, "busy.db");
        await using var store = ProfileStore.Open(path, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
        using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        other.Open();
        using var command = other.CreateCommand();
        command.CommandText = "BEGIN EXCLUSIVE";
        command.ExecuteNonQuery();

        store.Record(Entry("Lane Kowalski"));
        for (var i = 0; i < 3000 && store.WriterErrors == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(store.WriterErrors >= 1, "the writer met the busy database");
        command.CommandText = "COMMIT";
        command.ExecuteNonQuery();
        // A dead writer never completes a flush: bounded, so that fails instead of hanging.
        await store.FlushAsync().WaitAsync(TimeSpan.FromMinutes(1));
        store.Record(Entry("Anna Lee"));
        await store.FlushAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(["Lane Kowalski", "Anna Lee"], store.Current.Data.History.Select(h => h.Slots["contact"]));
        Assert.Equal(0, store.HistoryDropped);
    }

    [Fact]
    public async Task HistoryWriter_SubscriberThrows_CountedAndTheWriterGoesOn()
    {
        await using var store = ProfileStore.Open(Path.Combine(_directory, "subscriber.db"));
        store.Changed += _ => throw new InvalidOperationException("a subscriber fell over");

        store.Record(Entry("Lane Kowalski"));
        await store.FlushAsync().WaitAsync(TimeSpan.FromMinutes(1));
        store.Record(Entry("Anna Lee"));
        await store.FlushAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, store.Current.Data.History.Count);
        Assert.Equal(2, store.WriterErrors);
    }

    private static HistoryEntry Entry(string contact) =>
        new() { Time = DateTimeOffset.UnixEpoch, Intent = "phone.call", Slots = new Dictionary<string, string> { ["contact"] = contact } };

    [Fact]
    public async Task Import_ThenExport_RoundTripsAndSurvivesReopening()
    {
        var data = PrivacyCorpus.Profile();
        data.History =
        [
            new HistoryEntry { Time = new DateTimeOffset(2026, 3, 2, 8, 1, 0, TimeSpan.FromHours(1)), Intent = "nav.navigate", Slots = new Dictionary<string, string> { ["destination"] = "work" }, Latitude = 48.1566, Longitude = 11.5843 },
            new HistoryEntry { Time = new DateTimeOffset(2026, 7, 3, 17, 30, 0, TimeSpan.FromHours(2)), Intent = "phone.call", Slots = new Dictionary<string, string> { ["contact"] = "Maria Schneider" } },
        ];
        // Places come back ordered by name; everything else as imported.
        var expected = data with { Places = [.. data.Places.OrderBy(p => p.Name, StringComparer.Ordinal)] };
        var path = Path.Combine(_directory, "profile.db");

        string export;
        await using (var store = ProfileStore.Open(path))
        {
            store.Import(data);
            export = store.Export();
            AssertSameJson(Serialize(expected), export);
            Assert.Equal("Maria Schneider", store.Current.FindContact("mom").Contact?.Name);
        }

        await using (var reopened = ProfileStore.Open(path))
        {
            AssertSameJson(export, reopened.Export());
            Assert.Equal(data.History[1].Time, reopened.Current.Data.History[1].Time);
            Assert.Equal(TimeSpan.FromHours(2), reopened.Current.Data.History[1].Time.Offset);
        }

        // The export is a valid import file.
        var file = Path.Combine(_directory, "export.json");
        await File.WriteAllTextAsync(file, export);
        await using var copy = ProfileStore.Open(Path.Combine(_directory, "copy.db"));
        copy.ImportFile(file);
        AssertSameJson(export, copy.Export());
    }

    [Fact]
    public async Task Wipe_EmptiesTheProfileAndLeavesNoNameInTheFiles()
    {
        var path = Path.Combine(_directory, "wipe.db");
        await using var store = ProfileStore.Open(path);
        store.Import(PrivacyCorpus.Profile());
        store.Record(new HistoryEntry { Time = DateTimeOffset.UnixEpoch, Intent = "phone.call", Slots = new Dictionary<string, string> { ["contact"] = "Lane Kowalski" } });
        await store.FlushAsync();
        string[] secrets = ["Schneider", "Kowalski", "Leopoldstra", "maria.schneider@example.com", PrivacyCorpus.OwnerVin];
        Assert.All(secrets, s => Assert.True(FilesContain(path, s), $"'{s}' should be on disk before the wipe"));

        store.Wipe();

        var data = store.Current.Data;
        Assert.Empty(data.Contacts);
        Assert.Empty(data.Places);
        Assert.Empty(data.Preferences);
        Assert.Empty(data.History);
        Assert.Null(data.Owner.Name);
        Assert.Null(store.Current.FindContact("mom").Contact);
        Assert.All(secrets, s => Assert.False(FilesContain(path, s), $"'{s}' is still on disk after the wipe"));
        Assert.Equal("who wrote hamlet about Maria", new CloudPrivacy(new PrivacyOptions(), () => store.Current).Redact("who wrote hamlet about Maria").Text);
    }

    [Fact]
    public async Task Record_ThenFlush_HistoryStoredInOrderAndPersisted()
    {
        var path = Path.Combine(_directory, "history.db");
        var start = new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
        await using (var store = ProfileStore.Open(path))
        {
            store.Import(PrivacyCorpus.Profile());
            var before = store.Current;
            var changes = 0;
            store.Changed += _ => Interlocked.Increment(ref changes);
            for (var i = 0; i < 50; i++)
            {
                store.Record(new HistoryEntry { Time = start.AddMinutes(i), Intent = "climate.set_temperature", Slots = new Dictionary<string, string> { ["temperature"] = (19 + (i % 5)).ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            }

            await store.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

            var history = store.Current.Data.History;
            Assert.Equal(50, history.Count);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => start.AddMinutes(i)), history.Select(h => h.Time));
            Assert.Equal("23", history[^1].Slots["temperature"]);
            Assert.True(changes >= 1);
            // Only the history changed: the contacts are the same.
            Assert.Empty(before.Data.History);
            Assert.Equal(before.Data.Contacts, store.Current.Data.Contacts);
        }

        await using var reopened = ProfileStore.Open(path);
        Assert.Equal(50, reopened.Current.Data.History.Count);
        Assert.Equal(start.AddMinutes(49), reopened.Current.Data.History[^1].Time);
    }

    [Theory]
    [InlineData("{ this is not json")]
    [InlineData("""{"contacts": [{"phones": ["+49 89 1234567"]}]}""")] // a contact without a name
    [InlineData("""{"places": [{"name": "home", "address": 12}]}""")]
    [InlineData("null")]
    public async Task ImportFile_InvalidProfile_InvalidDataExceptionNamingTheFile(string json)
    {
        var file = Path.Combine(_directory, "broken-profile.json");
        await File.WriteAllTextAsync(file, json);
        await using var store = ProfileStore.Open(Path.Combine(_directory, "broken.db"));
        store.Import(PrivacyCorpus.Profile());

        var error = Assert.Throws<InvalidDataException>(() => store.ImportFile(file));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Equal(6, store.Current.Data.Contacts.Count); // the old profile is untouched
    }

    [Fact]
    public async Task Import_PlaceWithoutAddress_RefusedAndNothingChanged()
    {
        await using var store = ProfileStore.Open(Path.Combine(_directory, "validate.db"));
        store.Import(PrivacyCorpus.Profile());
        var data = PrivacyCorpus.Profile() with { Places = [new PlaceData { Name = "home", Address = " " }] };

        Assert.Throws<InvalidDataException>(() => store.Import(data));
        Assert.Equal(3, store.Current.Data.Places.Count);
    }

    [Fact]
    public async Task SetPreference_SuggestionsOff_TurnsThemOff()
    {
        await using var store = ProfileStore.Open(Path.Combine(_directory, "preferences.db"));
        Assert.True(store.Current.SuggestionsEnabled);

        store.SetPreference("suggestions", "off");
        Assert.False(store.Current.SuggestionsEnabled);

        store.SetPreference("suggestions", "on");
        Assert.True(store.Current.SuggestionsEnabled);
    }

    [Theory]
    [InlineData("mom", "Maria Schneider")]
    [InlineData("my mom", "Maria Schneider")]
    [InlineData("Maria", "Maria Schneider")]
    [InlineData("maria schneider's", "Maria Schneider")]
    [InlineData("MARIA SCHNEIDER", "Maria Schneider")]
    [InlineData("bobby", "Robert Fischer")]
    [InlineData("fischer", "Robert Fischer")]
    [InlineData("the boss", "Giovanni Rossi")]
    [InlineData("my sister", "Anna Lee")]
    [InlineData("anna on her mobile", "Anna Lee")]
    [InlineData("Will", "Will Turner")]
    public void FindContact_NameNicknameOrPart_TheContact(string spoken, string name) =>
        Assert.Equal(name, new ProfileSnapshot(PrivacyCorpus.Profile()).FindContact(spoken).Contact?.Name);

    [Fact]
    public void FindContact_SharedFirstName_CandidatesAndNoContact()
    {
        var data = PrivacyCorpus.Profile();
        data.Contacts = [.. data.Contacts, new ContactData { Name = "Anna Berger" }];
        var profile = new ProfileSnapshot(data);

        var match = profile.FindContact("anna");

        Assert.Null(match.Contact);
        Assert.Equal(["Anna Lee", "Anna Berger"], match.Candidates.Select(c => c.Name));
        Assert.Equal("Anna Berger", profile.FindContact("anna berger").Contact?.Name);
        Assert.Null(profile.FindContact("zebulon").Contact);
        Assert.Empty(profile.FindContact("zebulon").Candidates);
    }

    [Fact]
    public void FindPlaceAndNumericPreference()
    {
        var data = PrivacyCorpus.Profile();
        data.Preferences = new Dictionary<string, string> { ["cabin_temperature"] = "21.5", ["cabin_temperature.passenger"] = "23", ["volume"] = "loud" };
        var profile = new ProfileSnapshot(data);

        Assert.Equal("Leopoldstraße 12, 80802 München", profile.FindPlace("home")?.Address);
        Assert.Equal("Leopoldstraße 12, 80802 München", profile.FindPlace("my home")?.Address);
        Assert.Equal("221 Baker Street, London", profile.FindPlace("The Gym")?.Address);
        Assert.Null(profile.FindPlace("the beach"));
        Assert.Equal(21.5, profile.NumericPreference("cabin_temperature", null));
        Assert.Equal(21.5, profile.NumericPreference("cabin_temperature", "driver"));
        Assert.Equal(23, profile.NumericPreference("cabin_temperature", "passenger"));
        Assert.Null(profile.NumericPreference("volume", null));
        Assert.Null(profile.NumericPreference("seat_heating", null));
    }

    [Fact]
    public async Task Channel_CallMom_ResolvesTheContactAndTheNumberToDial()
    {
        var profile = new FixedProfile(PrivacyCorpus.Profile());
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(), profile: profile);

        var outcome = await channel.SubmitAsync("call mom", Seat.Driver);

        Assert.Equal("phone.call", outcome.Understanding?.Intent);
        Assert.True(outcome.Kind is OutcomeKind.Answered or OutcomeKind.Executed, $"{outcome.Kind} {outcome.Reason}");
        var slots = outcome.Understanding!.Slots.ToDictionary(s => s.Key, s => s.Value.Text);
        Assert.Equal("Maria Schneider", slots["contact"]);
        Assert.Equal("+49891234567", slots["number"]);
        Assert.Equal("Calling Maria Schneider.", outcome.Response);
    }

    [Fact]
    public async Task Channel_TakeMeHome_ActuatesTheSavedAddressSaysHomeAndRecordsIt()
    {
        await using var profile = ProfileStore.Open(Path.Combine(_directory, "home.db"));
        profile.Import(PrivacyCorpus.Profile());
        var recorded = new TaskCompletionSource<HistoryEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        profile.Changed += snapshot =>
        {
            if (snapshot.Data.History.LastOrDefault(h => h.Intent == "nav.navigate") is { } entry)
            {
                recorded.TrySetResult(entry);
            }
        };
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store, profile: profile);

        var outcome = await channel.SubmitAsync("take me home", Seat.Driver);

        Assert.Equal(OutcomeKind.Executed, outcome.Kind);
        Assert.Equal([new Actuation(Destination, SignalValue.Of("Leopoldstraße 12, 80802 München"))], outcome.Actuations);
        Assert.Equal("Leopoldstraße 12, 80802 München", store.Get(Destination).Text);
        Assert.Equal("Starting navigation to home.", outcome.Response);
        // The history keeps the driver's word, not the address.
        var entry = await recorded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("home", entry.Slots["destination"]);
    }

    [Fact]
    public async Task Channel_MyUsualTemperature_ThePreference()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store, profile: new FixedProfile(PrivacyCorpus.Profile()));

        var outcome = await channel.SubmitAsync("set it to my usual temperature", Seat.Driver);

        Assert.Equal(OutcomeKind.Executed, outcome.Kind);
        Assert.Contains(new Actuation(DriverTemperature, SignalValue.Of(21.5)), outcome.Actuations);
        Assert.Equal(21.5, store.Get(DriverTemperature).Number);
    }

    [Fact]
    public async Task Channel_MyUsualTemperatureWithoutPreference_TheMedianOfTheHistory()
    {
        var data = PrivacyCorpus.Profile();
        data.Preferences = new Dictionary<string, string>();
        var start = new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);
        data.History = [.. HistoryTemperatures.Select((t, i) => new HistoryEntry
        {
            Time = start.AddDays(i),
            Intent = "climate.set_temperature",
            Slots = new Dictionary<string, string> { ["temperature"] = t },
        })];
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store, profile: new FixedProfile(data));

        var outcome = await channel.SubmitAsync("set it to my usual temperature", Seat.Driver);

        Assert.Equal(OutcomeKind.Executed, outcome.Kind);
        Assert.Contains(new Actuation(DriverTemperature, SignalValue.Of(22)), outcome.Actuations);
    }

    [Fact]
    public async Task Channel_MyUsualTemperatureWithNothingKnown_RefusedUnknownPreference()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store, profile: new FixedProfile(new ProfileData()));

        var outcome = await channel.SubmitAsync("set it to my usual temperature", Seat.Driver);

        Assert.Equal((OutcomeKind.Refused, "unknown_preference"), (outcome.Kind, outcome.Reason));
        Assert.Empty(outcome.Actuations);
    }

    [Fact]
    public async Task Channel_UnknownContact_RefusedWithoutGuessing()
    {
        await using var channel = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(), profile: new FixedProfile(PrivacyCorpus.Profile()));

        var outcome = await channel.SubmitAsync("call Zebulon Featherstonehaugh", Seat.Driver);

        Assert.Equal((OutcomeKind.Refused, "unknown_contact"), (outcome.Kind, outcome.Reason));
        Assert.Equal("I couldn't find Zebulon Featherstonehaugh in your contacts.", outcome.Response);
    }

    [Theory]
    [InlineData("the second one", "Anna Berger")]
    [InlineData("Berger", "Anna Berger")]
    [InlineData("anna lee please", "Anna Lee")]
    [InlineData("the last one", "Anna Berger")]
    public async Task Channel_AmbiguousContact_AsksWhichOne_AndTheAnswerChooses(string answer, string chosen)
    {
        var data = PrivacyCorpus.Profile();
        data.Contacts = [.. data.Contacts, new ContactData { Name = "Anna Berger", Phones = ["+49 30 7654321"] }];
        await using var car = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(), profile: new FixedProfile(data));

        var asked = await car.SubmitAsync("call anna", Seat.Driver);

        Assert.Equal((OutcomeKind.Asked, "ambiguous_contact"), (asked.Kind, asked.Reason));
        Assert.Equal("Which one: Anna Lee or Anna Berger?", asked.Response);
        Assert.Equal(("choice", "phone.call", "contact"), (asked.Awaiting!.Kind, asked.Awaiting.Intent, asked.Awaiting.Slot));
        Assert.Equal(["Anna Lee", "Anna Berger"], asked.Awaiting.Options!);

        var called = await car.SubmitAsync(answer, Seat.Driver);
        Assert.Equal(("phone.call", true), (called.Understanding!.Intent, called.Context));
        Assert.True(called.Kind is OutcomeKind.Answered or OutcomeKind.Executed, $"{called.Kind} {called.Reason}");
        Assert.Equal(chosen, called.Understanding.Slots.Single(s => s.Key == "contact").Value.Text);
        Assert.Equal($"Calling {chosen}.", called.Response);
    }

    [Fact]
    public async Task Channel_AmbiguousContact_AnAnswerThatPicksNone_IsHandledOnItsOwn()
    {
        var data = PrivacyCorpus.Profile();
        data.Contacts = [.. data.Contacts, new ContactData { Name = "Anna Berger", Phones = ["+49 30 7654321"] }];
        await using var car = ChannelTestKit.Create(fixture, ChannelTestKit.NewStore(), profile: new FixedProfile(data));

        Assert.Equal(OutcomeKind.Asked, (await car.SubmitAsync("call anna", Seat.Driver)).Kind);
        var other = await car.SubmitAsync("turn on the air conditioning", Seat.Driver);

        Assert.Equal(("climate.ac", false), (other.Understanding!.Intent, other.Context));
        Assert.Equal(OutcomeKind.Executed, other.Kind);
    }

    [Fact]
    public async Task Channel_NavigateHomeWithNoHomeSaved_RefusedUnknownPlace()
    {
        var data = PrivacyCorpus.Profile();
        data.Places = [.. data.Places.Where(p => p.Name != "home")];
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store, profile: new FixedProfile(data));

        var outcome = await channel.SubmitAsync("navigate home", Seat.Driver);

        Assert.Equal((OutcomeKind.Refused, "unknown_place"), (outcome.Kind, outcome.Reason));
        Assert.Equal("You haven't saved a home address yet.", outcome.Response);
        Assert.Empty(outcome.Actuations);
        Assert.NotEqual("home", store.Get(Destination).Text);
    }

    [Fact]
    public async Task Channel_EmptyProfile_UnknownContactIsAnsweredNotDialled()
    {
        var store = ChannelTestKit.NewStore();
        await using var channel = ChannelTestKit.Create(fixture, store);

        var outcome = await channel.SubmitAsync("call mom", Seat.Driver);

        Assert.Equal((OutcomeKind.Refused, "unknown_contact"), (outcome.Kind, outcome.Reason));
        Assert.Equal("I couldn't find mom in your contacts.", outcome.Response);
        Assert.Empty(outcome.Actuations);
    }

    private static string Serialize(ProfileData data) => JsonSerializer.Serialize(data, ProfileJson.Default.ProfileData);

    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected:\n{expected}\nactual:\n{actual}");

    /// <summary>Whether the database or its write-ahead log holds <paramref name="text"/> (UTF-8), read while the store has them open.</summary>
    private static bool FilesContain(string database, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var file in new[] { database, database + "-wal" })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A profile held in memory: what the channel and the suggestions read, and what they record.</summary>
internal sealed class FixedProfile(ProfileData data) : IPersonalProfile
{
    public ProfileSnapshot Current { get; set; } = new(data);

    public List<HistoryEntry> Recorded { get; } = [];

    public void Record(HistoryEntry entry)
    {
        lock (Recorded)
        {
            Recorded.Add(entry);
        }
    }
}
