using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Vehicle.Voice;
using Vehicle.Voice.Asr;
using Vehicle.Voice.Tts;
using Vehicle.Voice.Vad;

namespace Vehicle.Perf;

/// <summary>
/// `voice ROUNDS`: the speech front end on commands spoken by espeak-ng (two voices, two speeds,
/// 0.5 s of silence around each): end of speech → outcome percentiles (the trailing silence the
/// endpointer waits plus everything after its decision), recognition real-time factor, and the
/// voice-activity detector's cost per 32 ms frame (Silero v5 and the energy fallback).
/// </summary>
internal static class VoiceBench
{
    private static readonly string[] Commands =
    [
        "open the driver window halfway", "set the temperature to twenty three degrees", "turn on the seat heating",
        "lock the doors", "turn up the volume", "close the sunroof", "navigate home", "turn the fan down",
        "switch on the air conditioning", "what's my range",
    ];

    public static void Run(int rounds)
    {
        var car = PerfCar.Start();
        var channel = car.Car;
        var options = new VoiceOptions();
        using var recognizer = new PocketSphinxRecognizer(channel.CreateSpeechGrammar(), options.Recognizer);
        var clips = new List<short[]>();
        foreach (var voice in new[] { "en-us", "en-us+m3" })
        {
            foreach (var rate in new[] { 150, 185 })
            {
                foreach (var text in Commands)
                {
                    var speech = Espeak.Synthesize(text, voice, rate);
                    clips.Add([.. new short[8000], .. speech, .. new short[8000]]);
                }
            }
        }

        var endToOutcome = new List<double>();
        var asr = new List<double>();
        var realTime = new List<double>();
        var accepted = 0;
        using var vad = VadModel.Create(null, NullLogger.Instance);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var clip in clips)
            {
                using var pipeline = new VoicePipeline(vad, recognizer, channel, options);
                var turns = pipeline.Process(clip).ToList();
                if (pipeline.Flush() is { } last)
                {
                    turns.Add(last);
                }

                foreach (var turn in turns)
                {
                    endToOutcome.Add(turn.EndToOutcome.TotalMilliseconds);
                    asr.Add(turn.AsrTime.TotalMilliseconds);
                    realTime.Add(turn.AsrTime.TotalSeconds / ((turn.Segment.End - turn.Segment.Start) / 16000.0));
                    accepted += turn.Recognition.Accepted ? 1 : 0;
                }
            }
        }

        car.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Console.WriteLine($"{clips.Count * rounds} clips, {endToOutcome.Count} turns, {accepted} accepted as commands; trailing silence {options.Endpoint.TrailingSilence.TotalMilliseconds} ms");
        Print("end of speech -> outcome", endToOutcome, "ms");
        Print("recognition time", asr, "ms");
        Print("recognition real-time factor", realTime, string.Empty);
        foreach (var detector in new IVoiceActivityDetector[] { VadModel.Create(null, NullLogger.Instance), new EnergyVad() })
        {
            using (detector)
            {
                var frame = clips[0].AsSpan(8000, IVoiceActivityDetector.FrameSamples).ToArray();
                for (var i = 0; i < 500; i++)
                {
                    detector.Process(frame);
                }

                var costs = new List<double>();
                for (var i = 0; i < 5000; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    detector.Process(frame);
                    costs.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }

                Print($"VAD {detector.Name} per 32 ms frame", costs, "µs");
            }
        }
    }

    private static void Print(string what, List<double> values, string unit)
    {
        values.Sort();
        double P(double q) => values[Math.Min(values.Count - 1, (int)(q * values.Count))];
        Console.WriteLine($"{what}: p50 {P(0.5):F3} {unit}, p95 {P(0.95):F3} {unit}, p99 {P(0.99):F3} {unit}, max {values[^1]:F3} {unit}");
    }
}
