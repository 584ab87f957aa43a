namespace Vehicle.Runtime.Privacy;

/// <summary>Settings of redaction and of the position sent with location questions (section <c>Privacy</c>).</summary>
public sealed class PrivacyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Privacy";

    /// <summary>The grid the car's position is snapped to before it goes to the cloud, in km.</summary>
    public double LocationPrecisionKm { get; set; } = 10;

    /// <summary>
    /// Licence plate patterns by country (.NET regular expressions, matched case-sensitively on
    /// word boundaries); configuration adds countries or replaces one.
    /// </summary>
    public Dictionary<string, string> Plates { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        // Germany: district code, 1-2 letters, 1-4 digits, optional E (electric) or H (historic).
        ["DE"] = @"[A-ZÄÖÜ]{1,3}[- ][A-Z]{1,2} ?[1-9][0-9]{0,3}[EH]?",
        // United Kingdom (2001 format): AB12 CDE.
        ["GB"] = @"[A-Z]{2}[0-9]{2} ?[A-Z]{3}",
        // France (SIV): AB-123-CD.
        ["FR"] = @"[A-Z]{2}-[0-9]{3}-[A-Z]{2}",
        // Netherlands (sidecodes 4-9 with dashes).
        ["NL"] = @"(?:[0-9]{2}-[A-Z]{3}-[0-9]|[0-9]-[A-Z]{3}-[0-9]{2}|[A-Z]{2}-[0-9]{3}-[A-Z]|[A-Z]-[0-9]{3}-[A-Z]{2}|[A-Z]{3}-[0-9]{2}-[A-Z]|[0-9]-[A-Z]{2}-[0-9]{3})",
        // California: 1ABC234.
        ["US-CA"] = @"[1-9][A-Z]{3}[0-9]{3}",
    };
}
