using System.Runtime.InteropServices;

namespace Vehicle.Voice.Asr;

/// <summary>
/// Keyphrase spotting ("hey copilot") with PocketSphinx's keyword search, streamed frame by frame.
/// After a detection the utterance restarts, so the phrase is reported once.
/// </summary>
public sealed class WakeWordSpotter : IDisposable
{
    private IntPtr _decoder;

    /// <summary>Prepares the spotter for <paramref name="phrase"/> (every word must be pronounceable).</summary>
    public WakeWordSpotter(string phrase, RecognizerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(phrase);
        options ??= new RecognizerOptions();
        _decoder = SphinxNative.CreateDecoder(options);
        var words = phrase.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            foreach (var word in words)
            {
                _ = SphinxNative.EnsurePronounced(_decoder, word, update: true);
            }
        }
        catch
        {
            SphinxNative.Free(ref _decoder);
            throw;
        }

        if (SphinxNative.ps_set_keyphrase(_decoder, "wake", string.Join(' ', words)) != 0 || SphinxNative.ps_set_search(_decoder, "wake") != 0 || SphinxNative.ps_start_utt(_decoder) != 0)
        {
            SphinxNative.Free(ref _decoder);
            throw new InvalidOperationException($"PocketSphinx refused the wake phrase '{phrase}'");
        }
    }

    /// <summary>Feeds a frame; true when the phrase was just heard.</summary>
    public unsafe bool Process(ReadOnlySpan<short> frame)
    {
        ObjectDisposedException.ThrowIf(_decoder == IntPtr.Zero, this);
        fixed (short* samples = frame)
        {
            _ = SphinxNative.ps_process_raw(_decoder, samples, (nuint)frame.Length, 0, 0);
        }

        var hypothesis = SphinxNative.ps_get_hyp(_decoder, out _);
        if (hypothesis == IntPtr.Zero || string.IsNullOrEmpty(Marshal.PtrToStringUTF8(hypothesis)))
        {
            return false;
        }

        // The hypothesis accumulates until the utterance ends: restart it.
        _ = SphinxNative.ps_end_utt(_decoder);
        _ = SphinxNative.ps_start_utt(_decoder);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_decoder != IntPtr.Zero)
        {
            _ = SphinxNative.ps_end_utt(_decoder);
            SphinxNative.Free(ref _decoder);
        }
    }
}
