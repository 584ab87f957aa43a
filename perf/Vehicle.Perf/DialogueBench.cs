using System.Globalization;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;

namespace Vehicle.Perf;

/// <summary>
/// What context costs: a plain command, the "yes" that confirms a pending command, a follow-up
/// ("a bit more"), an undo, two commands in one utterance, a pronoun ("close it" after the
/// passenger window) and a slot answer ("to the airport please" to "where to?"), COUNT rounds each, in one car, one run; admission to outcome of the
/// turn measured (the confirmation's deadline starts at the "yes"), beside the critical budget.
/// </summary>
internal static class DialogueBench
{
    public static async Task RunAsync(int count)
    {
        await using var car = PerfCar.Start();
        var budget = car.Car.Options.Channel.CriticalBudget.TotalMilliseconds;
        var plain = new List<double>();
        var confirm = new List<double>();
        var followUp = new List<double>();
        var undo = new List<double>();
        var several = new List<double>();
        var pronoun = new List<double>();
        var answer = new List<double>();
        for (var i = -20; i < count; i++)
        {
            var p = await car.Car.SubmitAsync("open my window halfway", Seat.Driver);
            await car.Car.SubmitAsync("unlock the doors", Seat.Driver);
            var c = await car.Car.SubmitAsync("yes", Seat.Driver);
            await car.Car.SubmitAsync("lock the doors", Seat.Driver);
            await car.Car.SubmitAsync("set the temperature to 21", Seat.Driver);
            var f = await car.Car.SubmitAsync("a bit more", Seat.Driver);
            var u = await car.Car.SubmitAsync("undo that", Seat.Driver);
            var s = await car.Car.SubmitAsync("turn on the air conditioning and open my window halfway", Seat.Driver);
            await car.Car.SubmitAsync("turn off the air conditioning", Seat.Driver);
            await car.Car.SubmitAsync("open the passenger window", Seat.Driver);
            var r = await car.Car.SubmitAsync("close it", Seat.Driver);
            Check(await car.Car.SubmitAsync("navigate", Seat.Driver), OutcomeKind.Asked);
            var a = await car.Car.SubmitAsync("to the airport please", Seat.Driver);
            if (i < 0)
            {
                continue;
            }

            Check(p, OutcomeKind.Executed);
            Check(c, OutcomeKind.Executed);
            Check(f, OutcomeKind.Executed);
            Check(u, OutcomeKind.Executed);
            plain.Add(p.Total.TotalMilliseconds);
            confirm.Add(c.Total.TotalMilliseconds);
            followUp.Add(f.Total.TotalMilliseconds);
            undo.Add(u.Total.TotalMilliseconds);
            if (s.Commands.Count != 2 || s.Commands.Any(c => c.Kind != OutcomeKind.Executed))
            {
                throw new InvalidOperationException($"\"{s.Utterance}\": {s.Commands.Count} commands");
            }

            several.Add(s.Total.TotalMilliseconds);
            Check(r, OutcomeKind.Executed);
            Check(a, OutcomeKind.Executed);
            if (r.Understanding?.Intent != "window.close" || !r.Context || !a.Context)
            {
                throw new InvalidOperationException($"\"close it\": {r.Understanding?.Intent}, context {r.Context}; the answer's context {a.Context}");
            }

            pronoun.Add(r.Total.TotalMilliseconds);
            answer.Add(a.Total.TotalMilliseconds);
        }

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; {count} rounds after 20 warm-up rounds; critical budget {budget:F0} ms");
        foreach (var (name, samples) in new[] { ("plain command", plain), ("confirmation (\"yes\")", confirm), ("follow-up (\"a bit more\")", followUp), ("undo (\"undo that\")", undo), ("two commands (\"... and ...\")", several), ("pronoun (\"close it\")", pronoun), ("slot answer (\"to the airport\")", answer) })
        {
            samples.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} admission to outcome p50 {samples[samples.Count / 2]:F2} ms, p99 {samples[(int)(0.99 * (samples.Count - 1))]:F2} ms, max {samples[^1]:F2} ms"));
        }
    }

    private static void Check(CommandOutcome outcome, OutcomeKind expected)
    {
        if (outcome.Kind != expected)
        {
            throw new InvalidOperationException($"\"{outcome.Utterance}\": {outcome.Kind.ToContractName()} ({outcome.Reason}), expected {expected.ToContractName()}");
        }
    }
}
