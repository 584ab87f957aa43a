using Vehicle.Voice.Asr;
using Vehicle.Voice.Vad;

namespace Vehicle.Voice;

/// <summary>How the front end starts listening.</summary>
public enum Activation
{
    /// <summary>Every utterance is a request (a file, a test rig, an OEM's own gating).</summary>
    Always,

    /// <summary>Only the utterance after the wake phrase.</summary>
    WakeWord,

    /// <summary>Only while the push-to-talk button is held.</summary>
    PushToTalk,
}

/// <summary>The voice front end's settings (section <c>Voice</c>).</summary>
public sealed class VoiceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Voice";

    /// <summary>The Silero VAD v5 model; empty: the provisioning script's cache path.</summary>
    public string? VadModelPath { get; set; }

    /// <summary>How listening starts.</summary>
    public Activation Activation { get; set; } = Activation.Always;

    /// <summary>The wake phrase.</summary>
    public string WakePhrase { get; set; } = "hey copilot";

    /// <summary>How long after the wake phrase speech may start.</summary>
    public TimeSpan WakeWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After the copilot asks something ("Which temperature?", "Shall I unlock the doors?"): how
    /// long after its question has been spoken the driver may answer without the wake phrase or
    /// the push-to-talk button (as Home Assistant's continue_conversation).
    /// </summary>
    public TimeSpan ReplyWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>espeak-ng voice of the spoken answers.</summary>
    public string SpeechVoice { get; set; } = "en-us";

    /// <summary>Speaking rate of the answers, words per minute.</summary>
    public int SpeechRate { get; set; } = 170;

    /// <summary>Endpointing.</summary>
    public EndpointOptions Endpoint { get; set; } = new();

    /// <summary>Recognition.</summary>
    public RecognizerOptions Recognizer { get; set; } = new();
}
