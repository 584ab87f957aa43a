using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Vehicle.Voice.Vad;

/// <summary>
/// Silero VAD v5 (MIT) with ONNX Runtime: each call feeds the last 64 samples of the previous frame
/// followed by the 512 new ones (as silero-vad's own wrapper and vad-web do), the recurrent state
/// [2, 1, 128] carried from call to call, and the sample rate as an int64 scalar.
/// </summary>
public sealed class SileroVad : IVoiceActivityDetector
{
    private const int Context = 64;
    private readonly InferenceSession _session;
    private readonly DenseTensor<float> _input = new([1, Context + IVoiceActivityDetector.FrameSamples]);
    private readonly DenseTensor<float> _state = new([2, 1, 128]);
    private readonly DenseTensor<long> _rate = new(new long[] { 16_000 }, []);
    private readonly float[] _context = new float[Context];
    private readonly string[] _outputs = ["output", "stateN"];

    /// <summary>Loads the model (one intra-op thread: a frame is 0.1 ms of work).</summary>
    public SileroVad(string modelPath)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(modelPath, options);
    }

    /// <inheritdoc/>
    public string Name => "silero-v5";

    /// <inheritdoc/>
    public float Process(ReadOnlySpan<short> frame)
    {
        if (frame.Length != IVoiceActivityDetector.FrameSamples)
        {
            throw new ArgumentException($"a frame is {IVoiceActivityDetector.FrameSamples} samples", nameof(frame));
        }

        var input = _input.Buffer.Span;
        _context.CopyTo(input);
        for (var i = 0; i < frame.Length; i++)
        {
            input[Context + i] = frame[i] / 32768f;
        }

        input.Slice(input.Length - Context, Context).CopyTo(_context);
        var inputs = new List<NamedOnnxValue>(3)
        {
            NamedOnnxValue.CreateFromTensor("input", _input),
            NamedOnnxValue.CreateFromTensor("state", _state),
            NamedOnnxValue.CreateFromTensor("sr", _rate),
        };
        using var results = _session.Run(inputs, _outputs);
        var probability = results[0].AsTensor<float>().GetValue(0);
        var state = results[1].AsTensor<float>();
        var target = _state.Buffer.Span;
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = state.GetValue(i);
        }

        return probability;
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _state.Buffer.Span.Clear();
        Array.Clear(_context);
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
