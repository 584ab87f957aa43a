namespace Vehicle.Runtime.Privacy;

/// <summary>Where the profile lives (section <c>Profile</c>).</summary>
public sealed class ProfileOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Profile";

    /// <summary>The SQLite file; empty: <see cref="ProfileStore.DefaultPath"/>.</summary>
    public string? Path { get; set; }

    /// <summary>The configured path, or the default.</summary>
    public string ResolvePath() => string.IsNullOrEmpty(Path) ? ProfileStore.DefaultPath() : Path;
}
