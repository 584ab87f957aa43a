namespace Vehicle.Runtime.Privacy;

/// <summary>The kinds of personal data the redactor replaces; each has its placeholder prefix.</summary>
public enum PiiType
{
    /// <summary>A contact's or the owner's name: <c>&lt;PERSON_n&gt;</c>.</summary>
    Person,

    /// <summary>A phone number: <c>&lt;PHONE_n&gt;</c>.</summary>
    Phone,

    /// <summary>An e-mail address: <c>&lt;EMAIL_n&gt;</c>.</summary>
    Email,

    /// <summary>A street address: <c>&lt;ADDRESS_n&gt;</c>.</summary>
    Address,

    /// <summary>GPS coordinates: <c>&lt;LOCATION_n&gt;</c>.</summary>
    Location,

    /// <summary>A vehicle identification number: <c>&lt;VIN_n&gt;</c>.</summary>
    Vin,

    /// <summary>A licence plate: <c>&lt;PLATE_n&gt;</c>.</summary>
    Plate,

    /// <summary>A date of birth: <c>&lt;DATE_n&gt;</c>.</summary>
    Date,

    /// <summary>A payment card number: <c>&lt;CARD_n&gt;</c>.</summary>
    Card,

    /// <summary>A bank account: an IBAN, or the number after "account number": <c>&lt;ACCOUNT_n&gt;</c>.</summary>
    Account,

    /// <summary>A national identity number (US social security number, UK national insurance number, or one named as such): <c>&lt;ID_n&gt;</c>.</summary>
    NationalId,
}

/// <summary>Placeholder names of <see cref="PiiType"/>.</summary>
public static class PiiTypeNames
{
    private static readonly string[] Names = ["PERSON", "PHONE", "EMAIL", "ADDRESS", "LOCATION", "VIN", "PLATE", "DATE", "CARD", "ACCOUNT", "ID"];

    /// <summary>The upper-case name used in placeholders (<c>PHONE</c>).</summary>
    public static string ToPlaceholderName(this PiiType type) => Names[(int)type];

    /// <summary>Parses a placeholder name, any case.</summary>
    public static bool TryParse(string name, out PiiType type)
    {
        var index = Array.FindIndex(Names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        type = (PiiType)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>What to say for a placeholder the car cannot fill (the cloud invented or mangled it).</summary>
    public static string Generic(this PiiType type) => type switch
    {
        PiiType.Person => "that person",
        PiiType.Phone => "that number",
        PiiType.Email => "that e-mail address",
        PiiType.Address => "that address",
        PiiType.Location => "that place",
        PiiType.Vin => "the vehicle number",
        PiiType.Plate => "that plate",
        PiiType.Date => "that date",
        PiiType.Card => "that card",
        PiiType.Account => "that account",
        _ => "that identity number",
    };
}
