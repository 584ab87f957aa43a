using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Vehicle.Runtime.Cli;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Voice;
using Vehicle.Voice.Asr;
using Vehicle.Voice.Audio;
using Vehicle.Voice.Vad;

// stdout carries only results; logs go to stderr.
var stdout = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

var fileArgument = new Argument<FileInfo?>("file") { Description = "A WAV file (any rate and channel count), or - for raw 16 kHz mono s16le on stdin.", Arity = ArgumentArity.ZeroOrOne };
var batchOption = new Option<DirectoryInfo?>("--batch") { Description = "Listen to every .wav in a folder, in file-name order." };
var sayOption = new Option<FileInfo?>("--say") { Description = "Write the spoken answers to this WAV file." };
var seatOption = new Option<string>("--seat") { Description = "Speaker's seat.", DefaultValueFactory = _ => "driver" };
var grammarOption = new Option<bool>("--grammar") { Description = "Print the recogniser's grammar (JSGF) generated from the catalog and exit." };

var listen = new Command("listen", "Find utterances in audio, recognise them on board and run them through the command channel; one JSON line per utterance.")
{
    fileArgument, batchOption, sayOption, seatOption, grammarOption,
};
listen.SetAction(parse =>
{
    using var app = CliApp.Start();
    var file = parse.GetValue(fileArgument);
    var batch = parse.GetValue(batchOption);
    if (!SeatNames.TryParse(parse.GetValue(seatOption), out var seat))
    {
        Console.Error.WriteLine("Unknown seat: use driver, passenger, rear_left or rear_right.");
        return 2;
    }

    if (parse.GetValue(grammarOption))
    {
        using var profile = app.OpenProfile();
        using var writer = new StreamWriter(stdout);
        writer.Write(SpeechGrammar.FromCatalog(app.Options.Nlu.ResolveCatalogPath(), profile.Current).Jsgf);
        return 0;
    }

    if ((file is null) == (batch is null))
    {
        Console.Error.WriteLine("Give either a file or --batch DIR.");
        return 2;
    }

    var inputs = batch is not null
        ? batch.Exists ? [.. batch.EnumerateFiles("*.wav").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => f.FullName)] : throw new DirectoryNotFoundException($"{batch.FullName}: no such folder")
        : new List<string> { file!.Name == "-" ? "-" : file.FullName };
    var options = app.Configuration.GetSection(VoiceOptions.SectionName).Get<VoiceOptions>() ?? new VoiceOptions();
    var car = app.StartCar();
    try
    {
        using var recognizer = new PocketSphinxRecognizer(car.CreateSpeechGrammar(), options.Recognizer, app.LoggerFactory.CreateLogger("Vehicle.Voice"));
        using var results = new OutcomeJsonWriter(stdout);
        var spoken = new List<short>();
        using var vad = VadModel.Create(options.VadModelPath, app.LoggerFactory.CreateLogger("Vehicle.Voice"));
        foreach (var input in inputs)
        {
            var output = new TimelineOutput();
            using var pipeline = new VoicePipeline(vad, recognizer, car, options, output, seat, car.Options.Responses);
            IAudioInput audio;
            try
            {
                audio = input == "-" ? new RawPcmInput(Console.OpenStandardInput()) : new BufferInput(Pcm.ReadWav(input));
            }
            catch (Exception e) when (batch is not null && e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // One bad file in a batch gets its own line; the rest go on.
                results.WriteLine(writer =>
                {
                    writer.WriteString("file", Path.GetFileName(input));
                    writer.WriteString("error", e.Message.Replace(input, Path.GetFileName(input), StringComparison.Ordinal));
                });
                continue;
            }

            var frame = new short[4096];
            int read;
            var turns = new List<VoiceTurn>();
            while ((read = audio.Read(frame)) > 0)
            {
                turns.AddRange(pipeline.Process(frame.AsSpan(0, read)));
            }

            if (pipeline.Flush() is { } last)
            {
                turns.Add(last);
            }

            foreach (var turn in turns)
            {
                var understanding = turn.Outcome?.Understanding ?? Understander.Rejected(turn.Recognition.FreeForm ?? string.Empty, "asr_no_match");
                results.Write(understanding, turn.Outcome, turn.Outcome is null ? null : car.WaitForCloudAsync(turn.Outcome).GetAwaiter().GetResult(), writer =>
                {
                    writer.WriteString("file", input == "-" ? "-" : Path.GetFileName(input));
                    if (turn.Recognition.Transcript is { } transcript)
                    {
                        writer.WriteString("transcript", transcript);
                    }
                    else
                    {
                        writer.WriteNull("transcript");
                    }

                    writer.WriteBoolean("asr_accepted", turn.Recognition.Accepted);
                    writer.WriteNumber("asr_confidence", Math.Round(double.IsFinite(turn.Recognition.Confidence) ? turn.Recognition.Confidence : -1000, 2));
                    writer.WriteNumber("asr_ms", Math.Round(turn.AsrTime.TotalMilliseconds, 2));
                    writer.WriteNumber("eos_to_outcome_ms", Math.Round(turn.EndToOutcome.TotalMilliseconds, 2));
                    writer.WriteNumber("speech_start_s", Math.Round(turn.Segment.Start / (double)Pcm.SampleRate, 3));
                    writer.WriteNumber("speech_end_s", Math.Round(turn.Segment.End / (double)Pcm.SampleRate, 3));
                    writer.WriteString("vad", pipeline.Detector);
                    if (turn.BargeIn)
                    {
                        writer.WriteBoolean("barge_in", true);
                    }
                });
            }

            spoken.AddRange(output.Rendered);
        }

        if (parse.GetValue(sayOption) is { } say)
        {
            Pcm.WriteWav(say.FullName, spoken.ToArray());
        }

        return 0;
    }
    finally
    {
        car.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
});

var root = new RootCommand("Vehicle copilot voice front end: voice activity, on-board recognition from the intent catalog, spoken answers.") { listen };
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or Vehicle.Runtime.Catalog.CatalogException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
