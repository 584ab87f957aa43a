using System.Runtime.InteropServices;

namespace Vehicle.Voice.Asr;

/// <summary>
/// PocketSphinx 5prealpha (Debian <c>libpocketsphinx3</c>, <c>libsphinxbase3</c>) through P/Invoke.
/// Only non-variadic entry points: the configuration is parsed from an argument vector
/// (<c>cmd_ln_parse_r</c>), which copies the strings. One decoder per thread; logging is
/// process-global. <c>ps_get_hyp</c> crashes the process when no search is active, so every
/// <c>ps_set_search</c> / <c>ps_start_utt</c> result is checked before it.
/// </summary>
internal static partial class SphinxNative
{
    private static int _live;

    private const string PocketSphinx = "libpocketsphinx.so.3";
    private const string SphinxBase = "libsphinxbase.so.3";

    [LibraryImport(SphinxBase, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr cmd_ln_parse_r(IntPtr inout, IntPtr definitions, int argc, string[] argv, int strict);

    [LibraryImport(SphinxBase)]
    internal static partial int cmd_ln_free_r(IntPtr config);

    [LibraryImport(SphinxBase)]
    internal static partial void err_set_logfp(IntPtr stream);

    [LibraryImport(SphinxBase)]
    internal static partial void ckd_free(IntPtr pointer);

    [LibraryImport(PocketSphinx)]
    internal static partial IntPtr ps_args();

    [LibraryImport(PocketSphinx)]
    internal static partial IntPtr ps_init(IntPtr config);

    [LibraryImport(PocketSphinx)]
    private static partial int ps_free(IntPtr decoder);

    [LibraryImport(PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ps_add_word(IntPtr decoder, string word, string phones, int update);

    [LibraryImport(PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr ps_lookup_word(IntPtr decoder, string word);

    [LibraryImport(PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ps_set_jsgf_string(IntPtr decoder, string name, string grammar);

    [LibraryImport(PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ps_set_keyphrase(IntPtr decoder, string name, string keyphrase);

    [LibraryImport(PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ps_set_lm_file(IntPtr decoder, string name, string path);

    [LibraryImport(PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ps_set_search(IntPtr decoder, string name);

    [LibraryImport(PocketSphinx)]
    internal static partial int ps_start_utt(IntPtr decoder);

    [LibraryImport(PocketSphinx)]
    internal static partial int ps_end_utt(IntPtr decoder);

    [LibraryImport(PocketSphinx)]
    internal static unsafe partial int ps_process_raw(IntPtr decoder, short* data, nuint samples, int noSearch, int fullUtterance);

    [LibraryImport(PocketSphinx)]
    internal static partial IntPtr ps_get_hyp(IntPtr decoder, out int bestScore);

    [LibraryImport(PocketSphinx)]
    internal static partial int ps_get_n_frames(IntPtr decoder);

    /// <summary>The best hypothesis word by word; NULL when there is none. Iterated to the end, it frees itself.</summary>
    [LibraryImport(PocketSphinx)]
    internal static partial IntPtr ps_seg_iter(IntPtr decoder);

    [LibraryImport(PocketSphinx)]
    internal static partial IntPtr ps_seg_next(IntPtr segment);

    [LibraryImport(PocketSphinx)]
    internal static partial IntPtr ps_seg_word(IntPtr segment);

    [LibraryImport(PocketSphinx)]
    internal static partial void ps_seg_frames(IntPtr segment, out int start, out int end);

    /// <summary>
    /// A decoder with the English model, logging off, and <paramref name="settings"/> (name, value
    /// pairs) on top of the keyword-spotting thresholds every search here uses.
    /// </summary>
    /// <exception cref="InvalidOperationException">PocketSphinx or its English model is not installed, or the settings are refused.</exception>
    internal static IntPtr CreateDecoder(Asr.RecognizerOptions options, params string[] settings)
    {
        if (!IsAvailable(out var error))
        {
            throw new InvalidOperationException($"PocketSphinx is not installed ({error}): apt-get install -y libpocketsphinx3 pocketsphinx-en-us");
        }

        if (!Directory.Exists(options.AcousticModel) || !File.Exists(options.Dictionary))
        {
            throw new InvalidOperationException($"the PocketSphinx English model is not installed ({options.AcousticModel}): apt-get install -y pocketsphinx-en-us");
        }

        err_set_logfp(IntPtr.Zero);
        string[] arguments = ["-hmm", options.AcousticModel, "-dict", options.Dictionary, "-logfn", "/dev/null", "-kws_threshold", "1e-10", "-kws_plp", "1e-10", .. settings];
        var config = cmd_ln_parse_r(IntPtr.Zero, ps_args(), arguments.Length, arguments, 1);
        if (config == IntPtr.Zero)
        {
            throw new InvalidOperationException("PocketSphinx refused its configuration");
        }

        var decoder = ps_init(config);
        _ = cmd_ln_free_r(config);
        if (decoder == IntPtr.Zero)
        {
            throw new InvalidOperationException("PocketSphinx could not load its model");
        }

        Interlocked.Increment(ref _live);
        return decoder;
    }

    /// <summary>Decoders made by <see cref="CreateDecoder"/> and not yet freed (tests check that nothing leaks).</summary>
    internal static int LiveDecoders => Volatile.Read(ref _live);

    /// <summary>Frees a decoder once: the field is cleared first, so a second call does nothing.</summary>
    internal static void Free(ref IntPtr decoder)
    {
        var handle = Interlocked.Exchange(ref decoder, IntPtr.Zero);
        if (handle != IntPtr.Zero)
        {
            _ = ps_free(handle);
            Interlocked.Decrement(ref _live);
        }
    }

    /// <summary>
    /// Makes sure the decoder can say <paramref name="word"/>: true when it was missing from the
    /// dictionary and a pronunciation from espeak-ng was added.
    /// </summary>
    /// <exception cref="InvalidOperationException">No pronunciation could be made.</exception>
    internal static bool EnsurePronounced(IntPtr decoder, string word, bool update)
    {
        var known = ps_lookup_word(decoder, word);
        if (known != IntPtr.Zero)
        {
            ckd_free(known);
            return false;
        }

        return Tts.Espeak.Pronounce(word) is { } phones && ps_add_word(decoder, word, phones, update ? 1 : 0) >= 0
            ? true
            : throw new InvalidOperationException($"no pronunciation for the word '{word}'");
    }

    /// <summary>Whether the native libraries load on this machine.</summary>
    internal static bool IsAvailable(out string? error)
    {
        try
        {
            _ = ps_args();
            error = null;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            error = e.Message;
            return false;
        }
    }
}
