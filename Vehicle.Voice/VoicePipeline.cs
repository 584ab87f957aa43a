using System.Diagnostics;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Responses;
using Vehicle.Voice.Asr;
using Vehicle.Voice.Audio;
using Vehicle.Voice.Vad;

namespace Vehicle.Voice;

/// <summary>One utterance through the front end, with a timestamp for every stage.</summary>
/// <param name="Segment">Where the speech was, in input samples.</param>
/// <param name="Recognition">What the recogniser heard.</param>
/// <param name="Outcome">The command channel's outcome (null when nothing could be submitted).</param>
/// <param name="Response">What was said back.</param>
/// <param name="EndToOutcome">End of speech to outcome: the trailing silence the endpointer waited (input time) plus the processing after its decision (wall time).</param>
/// <param name="AsrTime">Recognition time.</param>
/// <param name="TtsTime">Time to render the answer.</param>
/// <param name="BargeIn">True when this utterance interrupted an answer that was playing.</param>
public sealed record VoiceTurn(SpeechSegment Segment, Recognition Recognition, CommandOutcome? Outcome, string Response, TimeSpan EndToOutcome, TimeSpan AsrTime, TimeSpan TtsTime, bool BargeIn);

/// <summary>
/// The speech front end: frames → voice activity → endpointing → recognition (grammar from the
/// catalog) → command channel → spoken answer. What the grammar cannot match with confidence is
/// never forced into a command: it goes to the cloud lane as free-form speech. Speech while an
/// answer plays stops the answer (barge-in) and is listened to. Push samples in any chunk size;
/// one pipeline per audio stream (not thread-safe).
/// </summary>
public sealed class VoicePipeline : IDisposable
{
    private const int Frame = IVoiceActivityDetector.FrameSamples;
    private readonly IVoiceActivityDetector _vad;
    private readonly ISpeechRecognizer _recognizer;
    private readonly ICommandChannel _channel;
    private readonly IAudioOutput? _output;
    private readonly WakeWordSpotter? _wake;
    private readonly VoiceOptions _options;
    private readonly Endpointer _endpointer;
    private readonly Seat _seat;
    private readonly string _notUnderstood;
    private readonly short[] _pending = new short[Frame];
    private readonly List<short> _history = [];
    private readonly long _padding;
    private long _historyStart;
    private int _pendingCount;
    private long _awakeUntil = -1;
    private long _replyUntil = -1;
    private bool _talking;
    private bool _bargeIn;
    private bool _streaming;

    /// <summary>Creates a pipeline.</summary>
    /// <param name="vad">Voice activity detection.</param>
    /// <param name="recognizer">Speech recognition.</param>
    /// <param name="channel">Where recognised utterances go (the car).</param>
    /// <param name="options">Voice settings.</param>
    /// <param name="output">Where answers are spoken.</param>
    /// <param name="seat">The speaker's seat.</param>
    /// <param name="responses">What to say when nothing was recognised (the car's response table).</param>
    public VoicePipeline(IVoiceActivityDetector vad, ISpeechRecognizer recognizer, ICommandChannel channel, VoiceOptions? options = null, IAudioOutput? output = null, Seat seat = Seat.Driver, ResponseTable? responses = null)
    {
        _notUnderstood = (responses ?? new ResponseTable()).NotUnderstood;
        _vad = vad;
        _recognizer = recognizer;
        _channel = channel;
        _options = options ?? new VoiceOptions();
        _output = output;
        _seat = seat;
        _endpointer = new Endpointer(_options.Endpoint);
        _vad.Reset(); // a new stream: a detector can serve one pipeline after another
        _padding = (long)(_options.Endpoint.Padding.TotalSeconds * Pcm.SampleRate);
        if (_options.Activation == Activation.WakeWord)
        {
            _wake = new WakeWordSpotter(_options.WakePhrase, _options.Recognizer);
        }
    }

    /// <summary>Every finished turn, in order.</summary>
    public event Action<VoiceTurn>? Turn;

    /// <summary>The wake phrase was heard (input position).</summary>
    public event Action<long>? Woken;

    /// <summary>The detector in use (<c>silero-v5</c>, or <c>energy</c> when the model is absent).</summary>
    public string Detector => _vad.Name;

    /// <summary>Input samples seen.</summary>
    public long Position => _endpointer.Position;

    /// <summary>Push-to-talk: pressed (listen) or released (the utterance so far is taken).</summary>
    public void PushToTalk(bool pressed)
    {
        _talking = pressed;
        if (!pressed)
        {
            if (_endpointer.Flush() is { } segment)
            {
                Finish(segment);
            }
            else
            {
                CancelStream();
            }
        }
    }

    /// <summary>Feeds audio; finished turns are raised on <see cref="Turn"/> and returned.</summary>
    public IReadOnlyList<VoiceTurn> Process(ReadOnlySpan<short> samples)
    {
        var turns = new List<VoiceTurn>();
        while (samples.Length > 0)
        {
            var n = Math.Min(Frame - _pendingCount, samples.Length);
            samples[..n].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += n;
            samples = samples[n..];
            if (_pendingCount == Frame)
            {
                _pendingCount = 0;
                if (Step(_pending) is { } turn)
                {
                    turns.Add(turn);
                }
            }
        }

        return turns;
    }

    /// <summary>The audio ended: the utterance in progress, if any, is finished.</summary>
    public VoiceTurn? Flush()
    {
        if (_endpointer.Flush() is { } segment && Listening(segment.Start))
        {
            return Finish(segment);
        }

        CancelStream();
        return null;
    }

    /// <inheritdoc/>
    public void Dispose() => _wake?.Dispose();

    private VoiceTurn? Step(short[] frame)
    {
        _history.AddRange(frame);
        var position = _endpointer.Position;
        // The spotter hears every frame until it wakes, speech included: the wake phrase is speech, so
        // the endpointer is inside it when the spotter fires; that utterance is dropped below.
        if (_wake is not null && position > _awakeUntil && _wake.Process(frame))
        {
            _awakeUntil = position + Frame + (long)(_options.WakeWindow.TotalSeconds * Pcm.SampleRate);
            _endpointer.Reset();
            CancelStream();
            _history.Clear();
            _historyStart = position + Frame;
            Woken?.Invoke(position + Frame);
            _ = _endpointer.Push(0); // the wake phrase is not part of the request
            return null;
        }

        var wasInSpeech = _endpointer.InSpeech;
        var segment = _endpointer.Push(_vad.Process(frame));
        if (!wasInSpeech && _endpointer.InSpeech && _output?.IsPlaying(position) == true)
        {
            // Barge-in: the driver speaks over the answer; it stops and the front end listens.
            _output.Interrupt(position);
            _bargeIn = true;
        }

        if (!wasInSpeech && _endpointer.InSpeech)
        {
            StartStream(position);
        }
        else if (_streaming && (_endpointer.InSpeech || segment is not null))
        {
            ((IStreamingSpeechRecognizer)_recognizer).Feed(frame);
        }
        else if (_streaming)
        {
            CancelStream(); // a burst too short to be speech
        }

        if (!_endpointer.InSpeech && segment is null)
        {
            TrimHistory(position);
        }

        return segment is not null && Listening(segment.Start) ? Finish(segment) : null;
    }

    /// <summary>A streaming recogniser starts at the start of speech, with the padding before it.</summary>
    private void StartStream(long speechStart)
    {
        if (_recognizer is not IStreamingSpeechRecognizer streaming || !Listening(speechStart))
        {
            return;
        }

        streaming.Begin();
        var from = (int)Math.Max(0, speechStart - _padding - _historyStart);
        streaming.Feed(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_history)[from..]);
        _streaming = true;
    }

    private void CancelStream()
    {
        if (_streaming)
        {
            ((IStreamingSpeechRecognizer)_recognizer).Cancel();
            _streaming = false;
        }
    }

    private bool Listening(long start) => start <= _replyUntil || _options.Activation switch
    {
        Activation.WakeWord => start <= _awakeUntil,
        Activation.PushToTalk => _talking,
        _ => true,
    };

    private VoiceTurn Finish(SpeechSegment segment)
    {
        var decided = Stopwatch.GetTimestamp();
        var from = Math.Max(_historyStart, segment.Start - _padding);
        var to = Math.Min(_historyStart + _history.Count, segment.End + _padding);
        var audio = _history.GetRange((int)(from - _historyStart), (int)Math.Max(0, to - from)).ToArray();
        Recognition recognition;
        if (_streaming)
        {
            // Decoded while the driver spoke: only the last frames are left.
            _streaming = false;
            recognition = ((IStreamingSpeechRecognizer)_recognizer).Finish(audio);
        }
        else
        {
            recognition = _recognizer.Recognize(audio);
        }

        // The audio thread waits for the outcome: the channel's lanes run on their own threads (no
        // deadlock), and the next utterance must not be heard before this one is answered.
        CommandOutcome? outcome = null;
        var reply = segment.Start <= _replyUntil;
        _replyUntil = -1;
        if (recognition.Accepted)
        {
            outcome = _channel.SubmitAsync(new CommandRequest(recognition.Transcript!, _seat)).AsTask().GetAwaiter().GetResult();
        }
        else if (reply && !string.IsNullOrWhiteSpace(recognition.FreeForm))
        {
            // The answer to the copilot's question ("the old town" for "Where to?"): the
            // conversation fills the question with it, or handles it on its own.
            outcome = _channel.SubmitAsync(new CommandRequest(recognition.FreeForm, _seat)).AsTask().GetAwaiter().GetResult();
        }
        else if (!string.IsNullOrWhiteSpace(recognition.FreeForm))
        {
            // Not a command the car knows: free-form speech for the cloud, never forced into an actuation.
            var question = Understanding.ForCloud(recognition.FreeForm, "asr_out_of_grammar", recognition.Elapsed);
            outcome = _channel.SubmitAsync(new CommandRequest(recognition.FreeForm, _seat, Proposal: question)).AsTask().GetAwaiter().GetResult();
        }

        var endToOutcome = TimeSpan.FromSeconds((segment.DecidedAt - segment.End) / (double)Pcm.SampleRate) + Stopwatch.GetElapsedTime(decided);
        var response = outcome?.Response ?? _notUnderstood;
        var tts = TimeSpan.Zero;
        long spoken = 0;
        if (_output is not null)
        {
            var started = Stopwatch.GetTimestamp();
            var speech = Tts.Espeak.Synthesize(response, _options.SpeechVoice, _options.SpeechRate);
            tts = Stopwatch.GetElapsedTime(started);
            _output.Play(speech, segment.DecidedAt);
            spoken = speech.Length;
        }

        var turn = new VoiceTurn(segment, recognition, outcome, response, endToOutcome, recognition.Elapsed, tts, _bargeIn);
        _bargeIn = false;
        _awakeUntil = -1;
        if (outcome?.Kind == OutcomeKind.Asked)
        {
            // The copilot asked: the answer needs no wake phrase for a while after the question.
            _replyUntil = segment.DecidedAt + spoken + (long)(_options.ReplyWindow.TotalSeconds * Pcm.SampleRate);
        }

        TrimHistory(_endpointer.Position);
        Turn?.Invoke(turn);
        return turn;
    }

    /// <summary>Keeps only the padding's worth of audio before the next possible speech start.</summary>
    private void TrimHistory(long position)
    {
        var keepFrom = position + Frame - _padding;
        var drop = (int)Math.Clamp(keepFrom - _historyStart, 0, _history.Count);
        if (drop > 0)
        {
            _history.RemoveRange(0, drop);
            _historyStart += drop;
        }
    }
}
