using System.Numerics.Tensors;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// Hashed word unigrams and bigrams appended to the sentence embedding. Mean-pooled embeddings
/// place "open the window" and "close the window" close together; the exact words tell them apart.
/// Measured on the development set: 93.6 % intent accuracy with the embedding alone, 96.4 % with
/// these features (perf/Vehicle.Perf, <c>experiment</c>).
/// </summary>
internal static class LexicalFeatures
{
    /// <summary>Hash buckets; 512 keeps the head small while collisions among the catalog's words stay rare.</summary>
    public const int Buckets = 512;

    /// <summary>Weight of the (L2-normalised) lexical block against the unit-length embedding.</summary>
    public const float Weight = 0.5f;

    /// <summary>Writes the lexical block for <paramref name="tokens"/> into <paramref name="destination"/> (length <see cref="Buckets"/>).</summary>
    public static void Fill(ReadOnlySpan<Token> tokens, Span<float> destination)
    {
        destination.Clear();
        for (var t = 0; t < tokens.Length; t++)
        {
            var unigram = Fnv(Offset, tokens[t].Text);
            destination[(int)(unigram % Buckets)] = 1;
            if (t + 1 < tokens.Length)
            {
                var bigram = Fnv(Fnv(unigram, " "), tokens[t + 1].Text);
                destination[(int)(bigram % Buckets)] = 1;
            }
        }

        var norm = TensorPrimitives.Norm(destination);
        if (norm > 0)
        {
            TensorPrimitives.Multiply(destination, Weight / norm, destination);
        }
    }

    /// <summary>Width of <see cref="FillLaneFeatures"/>: the word block and a character-trigram block.</summary>
    public const int LaneWidth = 2 * Buckets;

    /// <summary>
    /// Features of the lane head: the word block plus hashed character trigrams of each word
    /// (with boundary marks), which carry over to words the catalog never used ("windscreen",
    /// "defogger") without running the encoder.
    /// </summary>
    public static void FillLaneFeatures(ReadOnlySpan<Token> tokens, Span<float> destination)
    {
        Fill(tokens, destination[..Buckets]);
        var grams = destination[Buckets..];
        grams.Clear();
        Span<char> word = stackalloc char[34];
        foreach (var token in tokens)
        {
            var text = token.Text.AsSpan(0, Math.Min(token.Text.Length, 32));
            word[0] = '<';
            text.CopyTo(word[1..]);
            word[text.Length + 1] = '>';
            for (var i = 0; i + 3 <= text.Length + 2; i++)
            {
                grams[(int)(Fnv(Offset, word.Slice(i, 3)) % Buckets)] += 1;
            }
        }

        var norm = TensorPrimitives.Norm(grams);
        if (norm > 0)
        {
            TensorPrimitives.Multiply(grams, Weight / norm, grams);
        }
    }

    private const uint Offset = 2166136261;

    // FNV-1a: stable across processes and runtimes, unlike string.GetHashCode, so cached heads stay valid.
    private static uint Fnv(uint hash, string text) => Fnv(hash, text.AsSpan());

    private static uint Fnv(uint hash, ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }
}
