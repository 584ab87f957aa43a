using System.Text.RegularExpressions;

namespace Vehicle.Runtime.Nlu;

/// <summary>
/// A yes or a no to something the copilot asked (a confirmation, an offered habit): whole
/// utterances only, a yes or no word with nothing around it but fillers and politeness ("ok, yes
/// please do", "sure why not", "nope, not now"), never a yes inside a command ("yes, open the
/// trunk" is a command).
/// </summary>
internal static partial class YesNo
{
    /// <summary>The common answers, for the speech grammar (the patterns below take many more).</summary>
    public static readonly IReadOnlyList<string> Answers =
        ["yes", "yes please", "yeah", "yep", "sure", "okay", "go ahead", "do it", "please do", "no", "no thanks", "no thank you", "nope", "not now", "don't"];

    /// <summary>The words say yes.</summary>
    public static bool IsYes(string text) => Yes().IsMatch(text) && !IsNo(text);

    /// <summary>The words say no.</summary>
    public static bool IsNo(string text) => No().IsMatch(text);

    // Leading fillers, one yes phrase, then only words that add politeness or urgency. Commas
    // allowed: a punctuating recogniser writes "Yes, please."
    [GeneratedRegex(@"^\s*(?:(?:oh|uh|um|well|right|just|alright|ok|okay)[\s,]+)*(?:yes|yeah|yep|yup|yes please|sure|sure thing|ok|okay|please|please do|do it|go ahead|go for it|sounds good|absolutely|of course|confirm|confirmed|correct|that's right|affirmative)\b(?:[\s,.!]+(?:yes|yeah|please|do|it|go|ahead|on|then|sure|thanks|thank|you|just|now|right|ok|okay|why not|fine|thing|that's|that|right))*[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Yes();

    [GeneratedRegex(@"^\s*(?:(?:oh|uh|um|well|actually|ok|okay)[\s,]+)*(?:no|nope|nah|no thanks|no thank you|not now|not today|don't|do not|don't do it|cancel|cancel that|never mind|stop|no way|negative|forget it)\b(?:[\s,.!]+(?:no|not|now|thanks|thank|you|way|today|don't|do|it|that|please|never|mind|forget|then|thanks|right|yet))*[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex No();
}
