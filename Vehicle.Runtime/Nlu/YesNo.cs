using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// A yes or a no to something the copilot asked (a confirmation, an offered habit): whole
/// utterances only ("yes please", "go ahead", "no thanks"), never a yes inside a command.
/// </summary>
internal static partial class YesNo
{
    /// <summary>The words say yes.</summary>
    public static bool IsYes(string text) => Yes().IsMatch(text);

    /// <summary>The words say no.</summary>
    public static bool IsNo(string text) => No().IsMatch(text);

    // Commas allowed: a punctuating recogniser writes "Yes, please."
    [GeneratedRegex(@"^\s*(?:yes|yeah|yep|yup|sure|sure thing|ok|okay|please|please do|do it|go ahead|yes please|sounds good|absolutely|of course|confirm|correct|that's right)\b[\s.!,]*(?:please|thanks|thank you|do it|go ahead)?[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Yes();

    [GeneratedRegex(@"^\s*(?:no|nope|nah|no thanks|no thank you|not now|not today|don't|do not|don't do it|cancel|never mind|stop)\b[\s.!,]*(?:thanks|thank you)?[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex No();
}
