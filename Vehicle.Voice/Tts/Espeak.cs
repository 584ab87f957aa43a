using System.Runtime.InteropServices;
using System.Text;

namespace Vehicle.Voice.Tts;

/// <summary>
/// espeak-ng in-process (libespeak-ng is a process-wide singleton, so every call holds one lock):
/// speech synthesis to 16 kHz PCM (espeak renders 22,050 Hz; NAudio's resampler converts), and
/// pronunciations for words the recogniser's dictionary lacks (IPA mapped to ARPAbet).
/// </summary>
public static class Espeak
{
    private static readonly Lock Gate = new();
    private static readonly EspeakNative.SynthCallback Callback = OnSamples; // kept alive for the process
    private static readonly Dictionary<string, string> IpaToArpabet = new(StringComparer.Ordinal)
    {
        ["i"] = "IY", ["iː"] = "IY", ["ɪ"] = "IH", ["ɛ"] = "EH", ["e"] = "EH", ["æ"] = "AE", ["a"] = "AE", ["ɑ"] = "AA", ["ɑː"] = "AA", ["ɒ"] = "AA",
        ["ɔ"] = "AO", ["ɔː"] = "AO", ["ʌ"] = "AH", ["ə"] = "AH", ["ɐ"] = "AH", ["ᵻ"] = "IH", ["ʊ"] = "UH", ["u"] = "UW", ["uː"] = "UW",
        ["ɜ"] = "ER", ["ɜː"] = "ER", ["ɚ"] = "ER", ["ɝ"] = "ER", ["eɪ"] = "EY", ["aɪ"] = "AY", ["ɔɪ"] = "OY", ["aʊ"] = "AW", ["oʊ"] = "OW",
        ["əʊ"] = "OW", ["o"] = "OW", ["oː"] = "AO", ["ɪɹ"] = "IH R", ["ɛɹ"] = "EH R", ["ʊɹ"] = "UH R", ["ɑːɹ"] = "AA R", ["ɑɹ"] = "AA R",
        ["ɔːɹ"] = "AO R", ["ɔɹ"] = "AO R", ["oːɹ"] = "AO R", ["aɪɚ"] = "AY ER", ["aɪə"] = "AY ER", ["iə"] = "IY AH", ["p"] = "P", ["b"] = "B",
        ["t"] = "T", ["d"] = "D", ["k"] = "K", ["ɡ"] = "G", ["g"] = "G", ["f"] = "F", ["v"] = "V", ["θ"] = "TH", ["ð"] = "DH", ["s"] = "S",
        ["z"] = "Z", ["ʃ"] = "SH", ["ʒ"] = "ZH", ["h"] = "HH", ["tʃ"] = "CH", ["dʒ"] = "JH", ["m"] = "M", ["n"] = "N", ["ŋ"] = "NG", ["l"] = "L",
        ["ɹ"] = "R", ["r"] = "R", ["w"] = "W", ["j"] = "Y", ["ɾ"] = "T", ["ʔ"] = "T", ["n̩"] = "AH N", ["l̩"] = "AH L", ["əl"] = "AH L", ["x"] = "K",
    };

    private static List<short>? _collecting;
    private static int _rate;
    private static string? _voice;

    /// <summary>Renders <paramref name="text"/> as 16 kHz mono PCM with <paramref name="voice"/> (espeak-ng voice file names: <c>en-us</c>, <c>en</c>, <c>en-gb-x-rp</c>, variants such as <c>en-us+f2</c>) at <paramref name="wordsPerMinute"/>.</summary>
    /// <exception cref="InvalidOperationException">espeak-ng is missing or the voice does not exist.</exception>
    public static short[] Synthesize(string text, string voice = "en-us", int wordsPerMinute = 165)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<short> samples = [];
        int rate;
        lock (Gate)
        {
            rate = Initialize();
            Select(voice);
            Check(EspeakNative.espeak_SetParameter(EspeakNative.ParameterRate, wordsPerMinute, 0), "espeak_SetParameter");
            var bytes = Encoding.UTF8.GetBytes(text + "\0");
            _collecting = samples;
            try
            {
                Check(EspeakNative.espeak_Synth(bytes, (nuint)bytes.Length, 0, EspeakNative.PositionCharacter, 0, EspeakNative.CharsUtf8 | EspeakNative.EndPause, IntPtr.Zero, IntPtr.Zero), "espeak_Synth");
            }
            finally
            {
                _collecting = null;
            }
        }

        return Audio.Pcm.Resample(samples.ToArray(), rate);
    }

    /// <summary>An ARPAbet pronunciation of <paramref name="word"/> from espeak-ng's rules (en-us), or null.</summary>
    public static string? Pronounce(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        string ipa;
        lock (Gate)
        {
            Initialize();
            Select("en-us");
            var bytes = Encoding.UTF8.GetBytes(word + "\0");
            var buffer = Marshal.AllocHGlobal(bytes.Length);
            try
            {
                Marshal.Copy(bytes, 0, buffer, bytes.Length);
                var pointer = buffer;
                // phonememode: bit 1 = IPA, bits 8-15 = the separator between phonemes.
                ipa = Marshal.PtrToStringUTF8(EspeakNative.espeak_TextToPhonemes(ref pointer, (int)EspeakNative.CharsUtf8, 2 | ('_' << 8))) ?? string.Empty;
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }

        var phones = new List<string>();
        foreach (var raw in ipa.Split(['_', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            var token = raw.Replace("ˈ", string.Empty, StringComparison.Ordinal).Replace("ˌ", string.Empty, StringComparison.Ordinal).Replace("\u200d", string.Empty, StringComparison.Ordinal);
            if (token.Length == 0)
            {
                continue;
            }

            if (!IpaToArpabet.TryGetValue(token, out var arpabet) && !IpaToArpabet.TryGetValue(token.Replace("ː", string.Empty, StringComparison.Ordinal), out arpabet))
            {
                return null;
            }

            phones.Add(arpabet);
        }

        return phones.Count == 0 ? null : string.Join(' ', phones);
    }

    private static int Initialize()
    {
        if (_rate == 0)
        {
            try
            {
                _rate = EspeakNative.espeak_Initialize(EspeakNative.AudioOutputSynchronous, 0, null, 0);
            }
            catch (DllNotFoundException e)
            {
                throw new InvalidOperationException("espeak-ng is not installed (apt-get install -y libespeak-ng1 espeak-ng-data)", e);
            }

            if (_rate <= 0)
            {
                throw new InvalidOperationException("espeak_Initialize failed");
            }

            EspeakNative.espeak_SetSynthCallback(Marshal.GetFunctionPointerForDelegate(Callback));
        }

        return _rate;
    }

    private static void Select(string voice)
    {
        if (_voice != voice)
        {
            // An unknown voice makes espeak fall back silently to its default: refuse instead.
            if (EspeakNative.espeak_SetVoiceByName(voice) != 0)
            {
                throw new InvalidOperationException($"espeak-ng has no voice '{voice}'");
            }

            _voice = voice;
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed ({result})");
        }
    }

    private static int OnSamples(IntPtr samples, int count, IntPtr events)
    {
        if (samples != IntPtr.Zero && count > 0 && _collecting is { } target)
        {
            var chunk = new short[count];
            Marshal.Copy(samples, chunk, 0, count);
            target.AddRange(chunk);
        }

        return 0;
    }
}
