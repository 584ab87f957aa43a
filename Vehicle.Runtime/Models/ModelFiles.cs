namespace Vehicle.Runtime.Models;

/// <summary>The encoder files in use and the digest that identifies the model in caches.</summary>
internal sealed record ModelFiles(string ModelPath, string VocabPath, string Fingerprint);
