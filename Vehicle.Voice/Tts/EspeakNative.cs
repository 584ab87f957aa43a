using System.Runtime.InteropServices;

namespace Vehicle.Voice.Tts;

/// <summary>libespeak-ng (Debian <c>libespeak-ng1</c>) through P/Invoke: synchronous synthesis with a callback.</summary>
internal static partial class EspeakNative
{
    internal const int AudioOutputSynchronous = 2;
    internal const int PositionCharacter = 1;
    internal const int ParameterRate = 1;
    internal const uint CharsUtf8 = 1;
    internal const uint EndPause = 0x1000;
    private const string Library = "libespeak-ng.so.1";

    /// <summary><c>int cb(short *wav, int numsamples, espeak_EVENT *events)</c>: 0 continues, 1 aborts.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int SynthCallback(IntPtr samples, int count, IntPtr events);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int espeak_Initialize(int output, int bufferLength, string? path, int options);

    [LibraryImport(Library)]
    internal static partial void espeak_SetSynthCallback(IntPtr callback);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int espeak_SetVoiceByName(string name);

    [LibraryImport(Library)]
    internal static partial int espeak_SetParameter(int parameter, int value, int relative);

    [LibraryImport(Library)]
    internal static partial int espeak_Synth(byte[] text, nuint size, uint position, int positionType, uint endPosition, uint flags, IntPtr uniqueIdentifier, IntPtr userData);

    [LibraryImport(Library)]
    internal static partial IntPtr espeak_TextToPhonemes(ref IntPtr text, int textMode, int phonemeMode);
}
