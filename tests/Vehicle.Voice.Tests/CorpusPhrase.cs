namespace Vehicle.Voice.Tests;

/// <summary>
/// A spoken command and what it must be understood as: the intent and the slots that must be
/// there (a slot's value may list alternatives with <c>|</c>: the words said, or what the profile
/// resolves them to). <paramref name="FromCatalog"/>: the sentence is one of the catalog's examples.
/// </summary>
public sealed record CorpusPhrase(string Text, string Intent, IReadOnlyList<(string Name, string Value)> Slots, bool FromCatalog = false)
{
    public static CorpusPhrase Unseen(string text, string intent, params (string, string)[] slots) => new(text, intent, slots);

    /// <summary>An intent without slots: the grammar holds exactly its catalog sentences, so only those are speakable.</summary>
    public static CorpusPhrase Catalog(string text, string intent) => new(text, intent, [], FromCatalog: true);

    public override string ToString() => Intent + (Slots.Count == 0 ? string.Empty : " " + string.Join(' ', Slots.Select(s => s.Name + "=" + s.Value)));
}
