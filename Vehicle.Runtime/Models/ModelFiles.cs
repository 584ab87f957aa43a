using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Models;

/// <summary>The encoder files in use and the digest that identifies the model in caches.</summary>
/// <param name="ModelPath">The model the CPU runs (the INT8 one when <paramref name="Precision"/> is int8).</param>
/// <param name="VocabPath">The WordPiece vocabulary.</param>
/// <param name="Fingerprint">Identifies the model run, precision included (caches are keyed by it).</param>
/// <param name="Precision">The precision of <paramref name="ModelPath"/>.</param>
internal sealed record ModelFiles(string ModelPath, string VocabPath, string Fingerprint, ModelPrecision Precision = ModelPrecision.Fp32);
