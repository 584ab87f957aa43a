namespace Vehicle.Bus.Tests;

/// <summary>Waits for a condition that other threads make true, signalled through <see cref="Signal"/>.</summary>
public sealed class Signal : IDisposable
{
    private readonly SemaphoreSlim _changed = new(0);

    public void Pulse() => _changed.Release();

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test after <paramref name="limitSeconds"/> (a hang guard, not a performance bound).</summary>
    public Task WaitAsync(Func<bool> condition, string what, int limitSeconds = 30) => WaitAsync(condition, () => what, limitSeconds);

    /// <summary>As above, with the failure message made when it fails (so it can show the state then).</summary>
    public async Task WaitAsync(Func<bool> condition, Func<string> what, int limitSeconds = 30)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(limitSeconds));
        while (!condition())
        {
            try
            {
                // Re-check at least every 100 ms: some conditions change without a pulse (connection state).
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(100), limit.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out waiting for: {what()}");
            }
        }
    }

    public void Dispose() => _changed.Dispose();
}
