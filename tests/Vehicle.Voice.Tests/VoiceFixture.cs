using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;
using Vehicle.Voice.Asr;

namespace Vehicle.Voice.Tests;

/// <summary>
/// The real stack the voice tests drive: the shipped catalog and understander (two inference
/// sessions), a command channel over a simulated vehicle that stands still, a driver profile with
/// contacts and places, and the recogniser built from the catalog and that profile.
/// </summary>
public sealed class VoiceFixture : IDisposable
{
    public VoiceFixture()
    {
        var options = new CopilotOptions { Cloud = { Mode = CloudMode.Off } };
        CatalogPath = options.Nlu.ResolveCatalogPath();
        Store = NewStore();
        Profile = new TestProfile();
        Channel = CopilotHost.StartAsync(options, new CopilotServices { Signals = Store, Profile = Profile }).GetAwaiter().GetResult();
        Grammar = Channel.CreateSpeechGrammar();
        Recognizer = new PocketSphinxRecognizer(Grammar);
    }

    public string CatalogPath { get; }

    public SignalStore Store { get; }

    public TestProfile Profile { get; }

    /// <summary>The car (built as every host builds it), driven by the voice pipeline.</summary>
    public CopilotHost Channel { get; }

    public SpeechGrammar Grammar { get; }

    /// <summary>The recogniser with the production settings (the free-form model for rejected speech included).</summary>
    public PocketSphinxRecognizer Recognizer { get; }

    public static SignalStore NewStore() => new(SignalStore.LoadDefinitions(new VehicleOptions().ResolveSignalsPath()));

    public void Dispose()
    {
        Recognizer.Dispose();
        Channel.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

[CollectionDefinition(Name)]
public sealed class VoiceGroup : ICollectionFixture<VoiceFixture>
{
    public const string Name = "voice";
}

/// <summary>The driver's profile: contacts and places the catalog's examples do not name.</summary>
public sealed class TestProfile : IPersonalProfile
{
    public static readonly ProfileData Data = new()
    {
        Owner = new OwnerData { Name = "Alex Morgan" },
        Contacts =
        [
            new ContactData { Name = "Maria Schneider", Nicknames = ["mom"], Phones = ["+49 89 2345678"] },
            new ContactData { Name = "Olivia Bennett", Nicknames = ["my sister"], Phones = ["+49 170 5550199"] },
            new ContactData { Name = "Samuel Ortiz", Phones = ["+49 89 5550142"] },
            new ContactData { Name = "Victor Lindqvist", Phones = ["+49 89 5550177"] },
        ],
        Places =
        [
            new PlaceData { Name = "home", Address = "Leopoldstrasse 12, 80802 Munich" },
            new PlaceData { Name = "work", Address = "Ganghoferstrasse 70, 80339 Munich" },
            new PlaceData { Name = "the gym", Address = "Schleissheimer Strasse 130, 80797 Munich" },
            new PlaceData { Name = "soccer practice", Address = "Sportpark 3, 80992 Munich" },
            new PlaceData { Name = "the lake house", Address = "Seestrasse 8, 82319 Starnberg" },
        ],
    };

    public ProfileSnapshot Current { get; } = new(Data);

    public void Record(HistoryEntry entry)
    {
    }

    /// <summary>A saved place's address.</summary>
    public static string AddressOf(string place) => Data.Places.Single(p => p.Name == place).Address;
}
