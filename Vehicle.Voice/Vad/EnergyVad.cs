namespace Vehicle.Voice.Vad;

/// <summary>
/// The fallback when the Silero model is absent: frame energy against a tracked noise floor. The
/// floor follows quiet frames quickly and loud ones slowly; the probability rises from 0 at the
/// floor + 6 dB to 1 at the floor + 18 dB. Good enough for clean cabin audio; it cannot tell
/// speech from a loud fan the way the model can.
/// </summary>
public sealed class EnergyVad : IVoiceActivityDetector
{
    private const double InitialFloorDb = -60;
    private double _floorDb = InitialFloorDb;

    /// <inheritdoc/>
    public string Name => "energy";

    /// <inheritdoc/>
    public float Process(ReadOnlySpan<short> frame)
    {
        double sum = 0;
        foreach (var s in frame)
        {
            sum += (double)s * s;
        }

        var db = 10 * Math.Log10((sum / Math.Max(1, frame.Length) / (32768.0 * 32768.0)) + 1e-12);
        _floorDb = db < _floorDb ? _floorDb + (0.5 * (db - _floorDb)) : _floorDb + (0.01 * (db - _floorDb));
        _floorDb = Math.Max(_floorDb, -90);
        return (float)Math.Clamp((db - _floorDb - 6) / 12, 0, 1);
    }

    /// <inheritdoc/>
    public void Reset() => _floorDb = InitialFloorDb;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
