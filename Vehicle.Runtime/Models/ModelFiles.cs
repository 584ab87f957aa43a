using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Models;

/// <summary>The encoder files in use and the digest that identifies the model in caches.</summary>
/// <param name="ModelPath">The model the CPU runs (the INT8 one when <paramref name="Precision"/> is int8).</param>
/// <param name="VocabPath">The WordPiece vocabulary.</param>
/// <param name="Fingerprint">Identifies the model run, precision included (caches are keyed by it).</param>
/// <param name="Precision">The precision of <paramref name="ModelPath"/>.</param>
/// <param name="SourceFingerprint">For an INT8 model: the fingerprint of the fp32 model it was quantised from.</param>
/// <param name="EmbeddingsPath">For an INT8 model: its word-embedding table (<see cref="WordEmbeddings"/>), which the model takes as an input.</param>
internal sealed record ModelFiles(string ModelPath, string VocabPath, string Fingerprint, ModelPrecision Precision = ModelPrecision.Fp32, string? SourceFingerprint = null, string? EmbeddingsPath = null)
{
    /// <summary>
    /// The encoder the intent head belongs to: the fp32 model, whatever precision runs. An INT8
    /// encoder approximates it, and the head trained on its embeddings keeps one decision boundary
    /// for both (measured: closer to fp32's accuracy than a head trained on INT8 embeddings).
    /// </summary>
    public string HeadFingerprint => SourceFingerprint ?? Fingerprint;
}
