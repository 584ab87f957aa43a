using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Runtime.Catalog;

namespace Vehicle.Voice.Asr;

/// <summary>
/// On-board recognition with PocketSphinx, constrained by the grammar generated from the intent
/// catalog. Out-of-grammar speech is rejected by a likelihood ratio: the same audio is decoded a
/// second time against a free loop of the 39 English phones and silence (all senones computed, so
/// the scores compare), and confidence = (grammar score − phone-loop score) / frames of speech (the
/// frames the grammar's words take; the padding both explain as silence would only dilute it,
/// the more the shorter the command). Rejected
/// speech gets a free-form transcript from the general English language model, for the cloud, when
/// that model is installed. Words the dictionary lacks get pronunciations from espeak-ng. Both
/// searches may start and end in silence (the endpointer's padding), and the audio gets a faint
/// noise floor first (<see cref="RecognizerOptions.NoiseFloor"/>). Not thread-safe (one per
/// stream); the decoders are reused across utterances.
/// </summary>
public sealed partial class PocketSphinxRecognizer : IStreamingSpeechRecognizer
{
    /// <summary>A word made of the silence phone: the padding around the speech (never reported).</summary>
    private const string Silence = "sil_";
    private const int NoiseSeed = 0x5EED;
    private static readonly string[] Phones = ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"];
    private IntPtr _decoder;
    private IntPtr _phones;
    private IntPtr _free;
    private int _disposed;
    private readonly double _threshold;
    private readonly double _noiseFloor;
    private Random? _stream;
    private Task _loopFeed = Task.CompletedTask;
    private TimeSpan _streamTime;

    /// <summary>Loads the acoustic model and dictionary and compiles the grammar.</summary>
    /// <exception cref="InvalidOperationException">PocketSphinx or its English model is not installed, or the grammar does not compile.</exception>
    public PocketSphinxRecognizer(SpeechGrammar grammar, RecognizerOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        options ??= new RecognizerOptions();
        logger ??= NullLogger.Instance;
        _threshold = options.RejectBelow;
        _noiseFloor = options.NoiseFloor > -120 ? 32768 * Math.Pow(10, options.NoiseFloor / 20) : 0;
        _decoder = CreateDecoder(options, compareScores: true);
        try
        {
            var added = 0;
            foreach (var word in grammar.Words)
            {
                if (SphinxNative.EnsurePronounced(_decoder, word, update: false))
                {
                    added++;
                }
            }

            if (SphinxNative.ps_add_word(_decoder, Silence, "SIL", 0) < 0
                || SphinxNative.ps_set_jsgf_string(_decoder, "command", grammar.WithEdgeSilence(Silence)) != 0
                || SphinxNative.ps_set_search(_decoder, "command") != 0)
            {
                throw new InvalidOperationException("the generated grammar does not compile (see the JSGF with `listen --grammar`)");
            }

            // The phone loop on a decoder of its own: switching one decoder between a large and a small
            // search rebuilds the search each time, and two decoders run on two cores.
            // Silence is one of the loop's units too: the grammar may explain the padding with it, so
            // the loop must be able to, or every command would gain on the loop by the padding alone.
            _phones = CreateDecoder(options, compareScores: true);
            foreach (var phone in Phones)
            {
                _ = SphinxNative.ps_add_word(_phones, "phone_" + phone.ToLowerInvariant(), phone, 0);
            }

            _ = SphinxNative.ps_add_word(_phones, Silence, "SIL", 1);
            var loop = "#JSGF V1.0;\ngrammar phones;\npublic <loop> = <phone>+;\n<phone> = " + string.Join(" | ", Phones.Select(p => "phone_" + p.ToLowerInvariant())) + " | " + Silence + ";\n";
            if (SphinxNative.ps_set_jsgf_string(_phones, "phones", loop) != 0 || SphinxNative.ps_set_search(_phones, "phones") != 0)
            {
                throw new InvalidOperationException("the phone-loop grammar does not compile");
            }

            LogReady(logger, grammar.Phrases, grammar.Words.Count, added);
            if (options.FreeFormModel is { Length: > 0 } model && File.Exists(model))
            {
                _free = CreateDecoder(options, compareScores: false);
                if (SphinxNative.ps_set_lm_file(_free, "free", model) != 0 || SphinxNative.ps_set_search(_free, "free") != 0)
                {
                    SphinxNative.Free(ref _free);
                }
            }
        }
        catch
        {
            // Whatever failed, every decoder made so far is freed (the phone loop's used to leak).
            FreeDecoders();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Name => "pocketsphinx";

    /// <inheritdoc/>
    public Recognition Recognize(ReadOnlySpan<short> audio)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var start = Stopwatch.GetTimestamp();
        var copy = WithNoiseFloor(audio, _noiseFloor);
        var loopTask = Task.Run(() => Decode(_phones, copy));
        try
        {
            var (words, score, _) = Decode(_decoder, copy);
            var speech = words is null ? 0 : SpeechFrames(_decoder);
            var (_, loopScore, _) = loopTask.GetAwaiter().GetResult();
            return Judge(words, score, loopScore, speech, copy, Stopwatch.GetElapsedTime(start));
        }
        catch
        {
            // Never leave the phone loop running on a decoder that may be freed next.
            WaitQuietly(loopTask);
            throw;
        }
    }

    private static void WaitQuietly(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Observed: the caller is already handling the first failure.
        }
    }

    private Recognition Judge(string? words, int score, int loopScore, int speech, ReadOnlySpan<short> audio, TimeSpan elapsed, bool secondPass = true)
    {
        var start = Stopwatch.GetTimestamp();
        var hypothesis = words is null ? null : string.Join(' ', words.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w != Silence));
        var confidence = speech > 0 && hypothesis is not null ? (score - loopScore) / (double)speech : double.NegativeInfinity;
        var accepted = hypothesis is { Length: > 0 } && confidence >= _threshold;
        string? freeForm = null;
        if (!accepted && secondPass && _free != IntPtr.Zero)
        {
            freeForm = Decode(_free, WithNoiseFloor(audio, _noiseFloor)).Hypothesis;
        }

        return new Recognition(accepted ? hypothesis : null, accepted, confidence, freeForm, elapsed + Stopwatch.GetElapsedTime(start));
    }

    /// <inheritdoc/>
    public void Begin()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Cancel();
        if (SphinxNative.ps_start_utt(_decoder) != 0 || SphinxNative.ps_start_utt(_phones) != 0)
        {
            throw new InvalidOperationException("PocketSphinx could not start an utterance");
        }

        // The same noise floor, sample for sample, as a whole-utterance decode of the same audio.
        _stream = new Random(NoiseSeed);
        _streamTime = TimeSpan.Zero;
    }

    /// <inheritdoc/>
    public void Feed(ReadOnlySpan<short> audio)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_stream is null)
        {
            throw new InvalidOperationException("Feed before Begin");
        }

        var start = Stopwatch.GetTimestamp();
        var chunk = AddNoise(audio.ToArray(), _noiseFloor, _stream);
        // The phone loop decodes on another core, in order; the grammar on this thread.
        _loopFeed = _loopFeed.ContinueWith(_ => Process(_phones, chunk), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        Process(_decoder, chunk);
        _streamTime += Stopwatch.GetElapsedTime(start);
    }

    /// <inheritdoc/>
    public Recognition Finish(ReadOnlySpan<short> utterance)
    {
        if (_stream is null)
        {
            throw new InvalidOperationException("Finish before Begin");
        }

        var start = Stopwatch.GetTimestamp();
        _loopFeed.GetAwaiter().GetResult();
        _stream = null;
        _ = SphinxNative.ps_end_utt(_decoder);
        _ = SphinxNative.ps_end_utt(_phones);
        var (words, score) = Hypothesis(_decoder);
        var speech = words is null ? 0 : SpeechFrames(_decoder);
        var (_, loopScore) = Hypothesis(_phones);
        var streamed = Judge(words, score, loopScore, speech, utterance, _streamTime + Stopwatch.GetElapsedTime(start), secondPass: false);
        if (streamed.Accepted)
        {
            return streamed;
        }

        // Not accepted from the streamed pass (its cepstral mean is normalised live): a second,
        // whole-utterance pass before the speech is given to the cloud. Only rejected speech pays it.
        var batch = Recognize(utterance);
        return batch with { Elapsed = streamed.Elapsed + batch.Elapsed };
    }

    /// <inheritdoc/>
    public void Cancel()
    {
        if (_stream is null)
        {
            return;
        }

        WaitQuietly(_loopFeed);
        _ = SphinxNative.ps_end_utt(_decoder);
        _ = SphinxNative.ps_end_utt(_phones);
        _stream = null;
    }

    /// <summary>Frees the decoders once, after any phone-loop work still running on them; a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        WaitQuietly(_loopFeed);
        FreeDecoders();
    }

    private void FreeDecoders()
    {
        SphinxNative.Free(ref _decoder);
        SphinxNative.Free(ref _phones);
        SphinxNative.Free(ref _free);
    }

    private static IntPtr CreateDecoder(RecognizerOptions options, bool compareScores) => SphinxNative.CreateDecoder(
        options,
        // The filler words of 5prealpha's grammar search lose in-grammar commands; all senones make scores comparable.
        "-fsgusefiller", "no", "-compallsen", compareScores ? "yes" : "no", "-bestpath", "no", "-beam", "1e-60", "-wbeam", "1e-50", "-pbeam", "1e-60");

    /// <summary>
    /// The audio with a faint, fixed Gaussian noise under it (the same noise for every call, so
    /// recognition is repeatable). The acoustic model was trained on recordings, which always have
    /// a noise floor; digital silence (exact zeros from a file, a synthesiser or a gated microphone)
    /// gives degenerate log energies that drag the per-utterance cepstral mean and let the silence
    /// model absorb whole words. A real cabin's noise is far above this floor, so there it changes
    /// nothing. PocketSphinx's own <c>-dither</c> (half a bit) is too faint to help.
    /// </summary>
    private static short[] WithNoiseFloor(ReadOnlySpan<short> audio, double sigma) => AddNoise(audio.ToArray(), sigma, new Random(NoiseSeed));

    private static short[] AddNoise(short[] copy, double sigma, Random random)
    {
        if (sigma <= 0)
        {
            return copy;
        }

#pragma warning disable CA5394 // Not security: a fixed seed, so the same audio is always recognised the same way.
        for (var i = 0; i < copy.Length; i++)
        {
            // Box-Muller: a standard normal sample from two uniform ones.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            copy[i] = (short)Math.Clamp(Math.Round(copy[i] + (gaussian * sigma)), short.MinValue, short.MaxValue);
        }
#pragma warning restore CA5394

        return copy;
    }

    /// <summary>Frames the words of the last hypothesis take: not the edge silence, not the empty transitions.</summary>
    private static int SpeechFrames(IntPtr decoder)
    {
        var frames = 0;
        for (var segment = SphinxNative.ps_seg_iter(decoder); segment != IntPtr.Zero; segment = SphinxNative.ps_seg_next(segment))
        {
            var word = Marshal.PtrToStringUTF8(SphinxNative.ps_seg_word(segment));
            SphinxNative.ps_seg_frames(segment, out var start, out var end);
            if (word is not (null or Silence or "(NULL)") && end >= start)
            {
                frames += end - start + 1;
            }
        }

        return frames;
    }

    private static unsafe void Process(IntPtr decoder, short[] chunk)
    {
        fixed (short* samples = chunk)
        {
            _ = SphinxNative.ps_process_raw(decoder, samples, (nuint)chunk.Length, 0, 0);
        }
    }

    private static (string? Words, int Score) Hypothesis(IntPtr decoder)
    {
        var text = SphinxNative.ps_get_hyp(decoder, out var score);
        return (text == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(text), score);
    }

    private static unsafe (string? Hypothesis, int Score, int Frames) Decode(IntPtr decoder, short[] audio)
    {
        // ps_get_hyp crashes without an active search: the search was set when the decoder was made, and the start is checked.
        if (SphinxNative.ps_start_utt(decoder) != 0)
        {
            throw new InvalidOperationException("PocketSphinx could not start an utterance");
        }

        fixed (short* samples = audio)
        {
            _ = SphinxNative.ps_process_raw(decoder, samples, (nuint)audio.Length, 0, 1);
        }

        _ = SphinxNative.ps_end_utt(decoder);
        var text = SphinxNative.ps_get_hyp(decoder, out var score);
        return (text == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(text), score, SphinxNative.ps_get_n_frames(decoder));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recogniser ready: {Phrases} phrases, {Words} words ({Added} pronounced by espeak-ng)")]
    private static partial void LogReady(ILogger logger, int phrases, int words, int added);
}

/// <summary>Recogniser settings (section <c>Voice:Recognizer</c>).</summary>
public sealed class RecognizerOptions
{
    /// <summary>The acoustic model folder (Debian <c>pocketsphinx-en-us</c>).</summary>
    public string AcousticModel { get; set; } = "/usr/share/pocketsphinx/model/en-us/en-us";

    /// <summary>The pronouncing dictionary.</summary>
    public string Dictionary { get; set; } = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

    /// <summary>The general language model for free-form transcripts of rejected speech; empty: none.</summary>
    public string? FreeFormModel { get; set; } = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin";

    /// <summary>
    /// Confidence below which speech is not taken as a command (grammar − phone loop, per frame of
    /// speech). Default −19, calibrated on espeak-ng renderings (en-us and en-gb+m3, 160 words per
    /// minute) of 136 of the catalog's own command examples and 123 of its <c>cloud.query</c>
    /// examples: the most commands accepted (93%) with at most 2% of the world questions taken for
    /// commands (2 of 123). A world question taken for a command can move the car; a command sent
    /// to the cloud costs a round trip, and the cloud may propose it back.
    /// </summary>
    public double RejectBelow { get; set; } = -19;

    /// <summary>
    /// Level of the noise floor put under the audio before decoding, in dBFS (default −70, a quiet
    /// microphone's self-noise); −∞ or below −120: none. See the recogniser's remarks.
    /// </summary>
    public double NoiseFloor { get; set; } = -70;
}
