using System.Globalization;
using Vehicle.Voice.Audio;

namespace Vehicle.Voice.Tests;

/// <summary>
/// The spoken corpus, generated once per run into a temporary folder: every phrase in two voices at
/// two speaking rates, padded with silence (0.5 s before, 0.6 s after), and the same clips with car
/// noise mixed in at 10 dB SNR.
/// </summary>
public sealed class CorpusFixture : IDisposable
{
    public const double SnrDb = 10;

    /// <summary>Voices and rates: an American and a British voice, a slow and a brisk rate.</summary>
    public static readonly (string Voice, int Rate)[] Speakers = [("en-us", 140), ("en-us", 185), ("en-gb", 140), ("en-gb", 185)];

    /// <summary>
    /// Commands whose slot values (numbers, zones, seats, windows, levels, places and contacts of the
    /// test profile) the catalog's examples do not use, in sentence shapes the catalog teaches; and,
    /// for the intents without slots, catalog sentences (nothing else is speakable for them).
    /// </summary>
    public static readonly CorpusPhrase[] Phrases =
    [
        CorpusPhrase.Unseen("set the temperature to twenty three point five degrees", "climate.set_temperature", ("temperature", "23.5")),
        CorpusPhrase.Unseen("could you set the passenger side to nineteen degrees", "climate.set_temperature", ("temperature", "19"), ("zone", "passenger")),
        CorpusPhrase.Unseen("set the back seats to twenty four degrees celsius", "climate.set_temperature", ("temperature", "24"), ("zone", "rear"), ("unit", "celsius")),
        CorpusPhrase.Unseen("change the temp to seventy five degrees fahrenheit", "climate.set_temperature", ("temperature", "75"), ("unit", "fahrenheit")),
        CorpusPhrase.Unseen("put the front passenger at twenty six", "climate.set_temperature", ("temperature", "26"), ("zone", "passenger")),
        CorpusPhrase.Unseen("raise the temperature by three degrees", "climate.adjust_temperature", ("direction", "up"), ("amount", "3")),
        CorpusPhrase.Unseen("switch off the air conditioner", "climate.ac", ("state", "off")),
        CorpusPhrase.Unseen("enable recirculation", "climate.recirculation", ("state", "on")),
        CorpusPhrase.Unseen("set the fan to level six", "climate.fan", ("level", "6")),
        CorpusPhrase.Unseen("fan speed to nine", "climate.fan", ("level", "9")),
        CorpusPhrase.Unseen("turn the fan down", "climate.fan", ("direction", "down")),
        CorpusPhrase.Unseen("turn on the rear defroster", "climate.defrost", ("state", "on"), ("target", "rear")),
        CorpusPhrase.Unseen("front defrost on", "climate.defrost", ("state", "on"), ("target", "front")),
        CorpusPhrase.Unseen("turn on the heated seat for the rear right", "seat.heating", ("state", "on"), ("seat", "rear_right")),
        CorpusPhrase.Unseen("driver seat heating on high", "seat.heating", ("state", "on"), ("seat", "driver"), ("level", "3")),
        CorpusPhrase.Unseen("back left seat warmer on level three", "seat.heating", ("state", "on"), ("seat", "rear_left"), ("level", "3")),
        CorpusPhrase.Unseen("open the rear right window halfway", "window.open", ("window", "rear_right"), ("percent", "50")),
        CorpusPhrase.Unseen("open the window forty percent", "window.open", ("window", "driver"), ("percent", "40")),
        CorpusPhrase.Unseen("close the rear right window", "window.close", ("window", "rear_right")),
        CorpusPhrase.Unseen("roll up the back left window", "window.close", ("window", "rear_left")),
        CorpusPhrase.Unseen("switch on the dome light", "lights.interior", ("state", "on")),
        CorpusPhrase.Unseen("disable the cabin lights", "lights.interior", ("state", "off")),
        CorpusPhrase.Unseen("set the volume to eighteen", "media.volume", ("level", "18")),
        CorpusPhrase.Unseen("lower the volume", "media.volume", ("direction", "down")),
        CorpusPhrase.Unseen("navigate to the gym", "nav.navigate", ("destination", "the gym|" + TestProfile.AddressOf("the gym"))),
        CorpusPhrase.Unseen("take me to the lake house", "nav.navigate", ("destination", "the lake house|" + TestProfile.AddressOf("the lake house"))),
        CorpusPhrase.Unseen("find a hospital nearby", "nav.find_nearby", ("poi", "hospital")),
        CorpusPhrase.Unseen("where's the nearest charging station", "nav.find_nearby", ("poi", "charging_station")),
        CorpusPhrase.Unseen("call olivia bennett", "phone.call", ("contact", "olivia bennett")),
        CorpusPhrase.Unseen("give samuel a call", "phone.call", ("contact", "samuel|samuel ortiz")),
        CorpusPhrase.Unseen("send a text to victor", "phone.message", ("contact", "victor|victor lindqvist")),
        CorpusPhrase.Unseen("set cruise to ninety", "adas.cruise", ("speed", "90")),
        CorpusPhrase.Unseen("enable lane keeping", "adas.lane_keep", ("state", "on")),
        CorpusPhrase.Catalog("lock the doors", "doors.lock"),
        CorpusPhrase.Catalog("unlock the car", "doors.unlock"),
        CorpusPhrase.Catalog("open the trunk", "trunk.open"),
        CorpusPhrase.Catalog("next track", "media.next"),
    ];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("voice-corpus-");

    public CorpusFixture()
    {
        var items = Phrases.SelectMany((phrase, p) => Speakers.Select((speaker, s) => new CorpusClip(phrase, speaker.Voice, speaker.Rate, Path.Combine(_folder.FullName, string.Create(CultureInfo.InvariantCulture, $"{p:00}-{s}.wav")), Path.Combine(_folder.FullName, string.Create(CultureInfo.InvariantCulture, $"{p:00}-{s}-noisy.wav"))))).ToList();
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = 2 }, clip => TestAudio.Speak(clip.Phrase.Text, clip.Voice, clip.Rate, clip.Clean, 0.5, 0.6));

        // Car-like noise (notes §5): brown noise low-passed at 400 Hz (engine and road rumble) plus pink
        // noise low-passed at 2 kHz (wind), one minute of it; each clip takes its own stretch.
        var brown = Path.Combine(_folder.FullName, "brown.wav");
        var pink = Path.Combine(_folder.FullName, "pink.wav");
        var bed = Path.Combine(_folder.FullName, "noise.wav");
        TestAudio.Tool("sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", brown, "synth", "60", "brownnoise", "lowpass", "400", "vol", "0.8");
        TestAudio.Tool("sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", pink, "synth", "60", "pinknoise", "lowpass", "2000", "vol", "0.1");
        TestAudio.Tool("sox", "-R", "-m", "-v", "1", brown, "-v", "1", pink, bed);
        var noise = Pcm.ReadWav(bed);
        var noiseRms = TestAudio.Rms(noise);
        Parallel.ForEach(items.Select((clip, i) => (clip, i)), new ParallelOptions { MaxDegreeOfParallelism = 2 }, item =>
        {
            var clean = Pcm.ReadWav(item.clip.Clean);

            // SNR over the speech itself (first to last loud sample), not the padded clip: the padding
            // would lower the clip's RMS and so the noise, making the test easier than 10 dB.
            var (first, last) = TestAudio.SpeechBounds(clean);
            var speechRms = TestAudio.Rms(clean.AsSpan(first, last - first + 1));
            var factor = speechRms / (noiseRms * Math.Pow(10, SnrDb / 20));
            var offset = (item.i * 7919) % (noise.Length - clean.Length);
            var stretch = item.clip.Noisy + ".noise.wav";
            Pcm.WriteWav(stretch, noise.AsSpan(offset, clean.Length));

            // Both scaled by 0.8 so the sum does not clip; the ratio, the SNR, is what matters.
            TestAudio.Tool("sox", "-R", "-m", "-v", "0.8", item.clip.Clean, "-v", TestAudio.Invariant(Math.Round(0.8 * factor, 6)), stretch, "-b", "16", item.clip.Noisy);
            File.Delete(stretch);
        });
        Clips = items;
    }

    public IReadOnlyList<CorpusClip> Clips { get; }

    public void Dispose() => _folder.Delete(recursive: true);
}

/// <summary>One phrase in one voice at one rate: the clean clip and its noisy twin.</summary>
public sealed record CorpusClip(CorpusPhrase Phrase, string Voice, int Rate, string Clean, string Noisy)
{
    public string Speaker => Voice + "@" + Rate.ToString(CultureInfo.InvariantCulture);
}
