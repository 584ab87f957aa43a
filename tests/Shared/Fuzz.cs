using CsCheck;

namespace Vehicle.Tests.Shared;

/// <summary>
/// Generators for property tests over every parser and boundary: text from everywhere text can
/// hide something (ASCII words and digits, C0 and C1 controls, format characters such as
/// zero-width joiners, byte-order marks, soft hyphens and bidi overrides, combining marks, the
/// rest of the basic plane, the astral planes, unpaired surrogates), and bytes.
/// </summary>
internal static class Fuzz
{
    private static readonly string[] Hidden = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u202E", "\u202D", "\u2066", "\u0301", "\u0308", "\u034F", "\uDB40\uDC41"];

    // Words the parsers and patterns react to, so random text reaches their deeper branches.
    private static readonly string[] Words =
    [
        " ", " ", "\t", "\n", "\r\n", ".", ",", ":", ";", "@", "+", "-", "/", "'", "\"", "<", ">", "_", "#", "(", ")", "{", "}", "[", "]", "=", "%", "°",
        "four", "one", "oh", "double", "dot", "at", "call", "text", "maria", "Will", "street", "straße", "born on", "account number", "passport",
        "+49", "00", "DE89", "1HGCM82633A004352", "123-45-6789", "4111 1111 1111 1111", "<PERSON_1>", "[PHONE_2]", "nan", "inf", "1e309", "-0",
        "true", "null", "\"t\":", "\"type\":", "#", "##", "BO_ ", "SG_ ",
    ];

    /// <summary>One piece of text: a character, a hidden character, a word.</summary>
    public static readonly Gen<string> Piece = Gen.Frequency(
        (30, Gen.Int['a', 'z'].Select(c => ((char)c).ToString())),
        (10, Gen.Int['0', '9'].Select(c => ((char)c).ToString())),
        (15, Gen.OneOf(Words)),
        (4, Gen.Int[0, 0x1F].Select(c => ((char)c).ToString())),
        (2, Gen.Int[0x7F, 0x9F].Select(c => ((char)c).ToString())),
        (8, Gen.OneOf(Hidden)),
        (10, Gen.Int[0xA0, 0xFFFD].Where(c => c is < 0xD800 or > 0xDFFF).Select(c => ((char)c).ToString())),
        (5, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)),
        (2, Gen.Int[0xD800, 0xDFFF].Select(c => ((char)c).ToString())));

    /// <summary>Text of 0 to <paramref name="pieces"/> pieces.</summary>
    public static Gen<string> Text(int pieces) => Text(0, pieces);

    /// <summary>Text of <paramref name="min"/> to <paramref name="max"/> pieces (60,000 pieces: about 100,000 characters).</summary>
    public static Gen<string> Text(int min, int max) => Piece.Array[min, max].Select(string.Concat);

    /// <summary>A JSON string literal of <paramref name="text"/> as a careless writer makes it: quotes and backslashes escaped, control characters and unpaired surrogates left raw.</summary>
    public static string JsonString(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Bytes of 0 to <paramref name="length"/>.</summary>
    public static Gen<byte[]> Bytes(int length) => Gen.Byte.Array[0, length];
}
