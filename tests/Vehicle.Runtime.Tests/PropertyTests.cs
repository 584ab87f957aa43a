using System.Text;
using System.Text.Json;
using CsCheck;
using Vehicle.Runtime.Privacy;
using Vehicle.Tests.Shared;

namespace Vehicle.Runtime.Tests;

/// <summary>
/// Properties over any text, from every Unicode plane, with control and format characters, up to
/// 100,000 characters: the redactor never throws, gives back the original exactly, leaves nothing
/// of the profile for the egress guard, and is idempotent; the understander never throws.
/// </summary>
[Collection(UnderstanderGroup.Name)]
public sealed class PropertyTests(UnderstanderFixture fixture)
{
    private static readonly Redactor Redactor = new();
    private static readonly ProfileSnapshot Profile = new(PrivacyCorpus.Profile());
    private static readonly CloudPrivacy Guard = new(new PrivacyOptions(), () => Profile);

    // Random text around personal values of every kind (the corpus's questions), so the patterns fire.
    private static readonly Gen<string> Questions = Gen.Int[0, 179].Select(i => PrivacyCorpus.Generate()[i].Text);

    private static readonly Gen<string> Mixed = Gen.Select(Fuzz.Text(40), Questions, Fuzz.Text(40), Gen.Bool, (a, q, b, both) => both ? a + q + b : a + b);

    [Fact]
    public void Redact_AnyText_RestoredExactlyNothingOfTheProfileLeftAndIdempotent() =>
        Mixed.Sample(text =>
        {
            var redaction = Redactor.Redact(text, Profile);

            Assert.Equal(text, redaction.Restore(redaction.Text));
            Assert.Null(Guard.Inspect(Payload(redaction.Text)));
            Assert.Equal(redaction.Text, Redactor.Redact(redaction.Text, Profile).Text);
        }, iter: 3000);

    [Fact]
    public void Redact_LongText_UpTo100kCharacters_NeverThrowsAndRestoresExactly() =>
        Fuzz.Text(20_000, 60_000).Sample(text =>
        {
            var redaction = Redactor.Redact(text, Profile);

            Assert.Equal(text, redaction.Restore(redaction.Text));
        }, iter: 10, threads: 1);

    [Fact]
    public void Understand_AnyText_NeverThrows()
    {
        Fuzz.Text(60).Sample(text => Assert.NotNull(fixture.Understander.Understand(text)), iter: 300, threads: 1);
        Fuzz.Text(20_000, 60_000).Sample(text => Assert.NotNull(fixture.Understander.Understand(text)), iter: 3, threads: 1);
    }

    private static byte[] Payload(string text) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = text }));
}
