using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Perf;

/// <summary>
/// `privacy COUNT`: per-query cost of redaction + re-identification, and of the egress guard, with
/// a profile of 200 contacts and 20 places, over cloud-bound questions that carry every kind of
/// personal data (and some that carry none). Percentiles over COUNT queries after a warm-up.
/// </summary>
internal static class PrivacyBench
{
    private static readonly string[] First = ["Maria", "Jonas", "Lena", "Felix", "Sophie", "Paul", "Emma", "Lukas", "Mia", "Leon", "Hannah", "Elias", "Anna", "Noah", "Lea", "Ben", "Clara", "Finn", "Ida", "Tom"];
    private static readonly string[] Last = ["Schneider", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf"];

    public static void Run(int count)
    {
        var random = new Random(7);
        var contacts = new List<ContactData>();
        for (var i = 0; i < 200; i++)
        {
            contacts.Add(new ContactData
            {
                Name = $"{First[i % First.Length]} {Last[i / First.Length % Last.Length]}", // 200 distinct names
                Phones = [$"+49 89 {random.Next(1_000_000, 9_999_999)}"],
                Emails = [$"contact{i}@example.org"],
            });
        }

        var places = Enumerable.Range(0, 20).Select(i => new PlaceData { Name = i == 0 ? "home" : i == 1 ? "work" : $"favourite {i}", Address = $"{i + 1} Lindenstrasse {i + 10}, 8080{i % 10} Munich" }).ToList();
        var profile = new ProfileSnapshot(new ProfileData
        {
            Owner = new OwnerData { Name = "Alex Morgan", Phones = ["+49 170 5550123"], Emails = ["alex.morgan@example.com"], DateOfBirth = "1986-04-12", Vin = "1M8GDM9AXKP042788", Plates = ["M-AM 1234"] },
            Contacts = contacts,
            Places = places,
        });
        string[] templates =
        [
            "what's a good birthday present for {person}",
            "remind me to call {phone} when I get to the office",
            "send the restaurant list to {email}",
            "what's near {address}",
            "how far is {coordinates} from the airport",
            "is there a recall for VIN 1M8GDM9AXKP042788",
            "was car M-AM 1234 towed yesterday",
            "I was born on April 12, 1986, what's my star sign",
            "why was my card 4111 1111 1111 1111 declined at the gas station",
            "who won the world cup in 2014",
            "what is the capital of australia",
            "how do I change a tire",
        ];
        var questions = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            var contact = contacts[random.Next(contacts.Count)];
            questions.Add(templates[i % templates.Length]
                .Replace("{person}", contact.Name, StringComparison.Ordinal)
                .Replace("{phone}", contact.Phones[0], StringComparison.Ordinal)
                .Replace("{email}", contact.Emails[0], StringComparison.Ordinal)
                .Replace("{address}", places[random.Next(places.Count)].Address.Split(',')[0], StringComparison.Ordinal)
                .Replace("{coordinates}", string.Create(CultureInfo.InvariantCulture, $"{48 + random.NextDouble():F4}, {11 + random.NextDouble():F4}"), StringComparison.Ordinal));
        }

        var privacy = new CloudPrivacy(new PrivacyOptions(), () => profile, () => (48.1374, 11.5755));
        var redactor = new Redactor();
        var warm = Stopwatch.StartNew();
        redactor.Redact(questions[0], profile); // builds the profile's matcher
        Console.WriteLine($"profile matcher built in {warm.Elapsed.TotalMilliseconds:F1} ms (once per profile change)");
        for (var i = 0; i < 2000; i++)
        {
            Once(redactor, privacy, profile, questions[i % questions.Count]);
        }

        var roundTrip = new double[count];
        var guard = new double[count];
        var entities = 0;
        for (var i = 0; i < count; i++)
        {
            var (r, g, n) = Once(redactor, privacy, profile, questions[i % questions.Count]);
            roundTrip[i] = r;
            guard[i] = g;
            entities += n;
        }

        Console.WriteLine($"{count} queries, {entities / (double)count:F2} entities per query");
        Print("redact + re-identify", roundTrip);
        Print("egress guard (payload)", guard);
    }

    private static (double RoundTrip, double Guard, int Entities) Once(Redactor redactor, CloudPrivacy privacy, ProfileSnapshot profile, string question)
    {
        var start = Stopwatch.GetTimestamp();
        var redaction = redactor.Redact(question, profile);
        var answer = "Here is what I found about " + redaction.Text + ".";
        var restored = redaction.Restore(answer);
        var roundTrip = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        if (!restored.Contains(question, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"round trip changed the text: {question}");
        }

        var payload = Encoding.UTF8.GetBytes($"{{\"text\":\"{redaction.Text.Replace("\"", "\\\"", StringComparison.Ordinal)}\"}}");
        start = Stopwatch.GetTimestamp();
        var objection = privacy.Inspect(payload);
        var guard = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        return objection is null ? (roundTrip, guard, redaction.Entities.Count) : throw new InvalidOperationException($"guard objected to a redacted payload: {objection}");
    }

    private static void Print(string what, double[] microseconds)
    {
        Array.Sort(microseconds);
        double P(double q) => microseconds[Math.Min(microseconds.Length - 1, (int)(q * microseconds.Length))];
        Console.WriteLine($"{what}: p50 {P(0.5):F1} µs, p90 {P(0.9):F1} µs, p99 {P(0.99):F1} µs, p99.9 {P(0.999):F1} µs, max {microseconds[^1]:F1} µs");
    }
}
