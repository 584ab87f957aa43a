using Microsoft.Extensions.Logging;
using Vehicle.Voice.Asr;

namespace Vehicle.Voice.Tests;

/// <summary>
/// The recogniser's native decoders: freed once, never while the phone loop still runs on them,
/// and never leaked by a constructor that fails half way. Counted by <c>SphinxNative.LiveDecoders</c>
/// (the voice tests run one at a time, so the count is this test's).
/// </summary>
[Collection(VoiceGroup.Name)]
public sealed class RecognizerLifetimeTests(VoiceFixture fixture)
{
    [Fact]
    public void Dispose_Twice_FreesEachDecoderOnce()
    {
        var before = SphinxNative.LiveDecoders;
        var recognizer = new PocketSphinxRecognizer(fixture.Grammar, new RecognizerOptions { FreeFormModel = null });
        Assert.Equal(before + 2, SphinxNative.LiveDecoders);

        recognizer.Dispose();
        recognizer.Dispose();

        Assert.Equal(before, SphinxNative.LiveDecoders);
        Assert.Throws<ObjectDisposedException>(() => recognizer.Recognize(TestAudio.Silence(0.5)));
    }

    // A failure after the phone-loop decoder was made (here: the logger throws) used to leak it.
    [Fact]
    public void Constructor_FailingHalfWay_FreesEveryDecoderItMade()
    {
        var before = SphinxNative.LiveDecoders;

        Assert.Throws<InvalidOperationException>(() => new PocketSphinxRecognizer(fixture.Grammar, new RecognizerOptions { FreeFormModel = null }, new ThrowingLogger()));

        Assert.Equal(before, SphinxNative.LiveDecoders);
    }

    // An utterance still open makes the grammar decode throw; the phone loop must not be left running.
    [Fact]
    public void Recognize_Throwing_LeavesNoWorkOnTheDecodersAndTheRecogniserUsable()
    {
        var before = SphinxNative.LiveDecoders;
        var recognizer = new PocketSphinxRecognizer(fixture.Grammar, new RecognizerOptions { FreeFormModel = null });
        var audio = TestAudio.Concat(TestAudio.Silence(0.3), TestAudio.SpeakSamples(Path.GetTempPath(), "turn on the air conditioning"), TestAudio.Silence(0.3));
        recognizer.Begin();

        Assert.Throws<InvalidOperationException>(() => recognizer.Recognize(audio));

        recognizer.Cancel();
        Assert.Equal("turn on the air conditioning", recognizer.Recognize(audio).Transcript);
        recognizer.Dispose();
        Assert.Equal(before, SphinxNative.LiveDecoders);
    }

    private sealed class ThrowingLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            throw new InvalidOperationException("the log is full");
    }
}
