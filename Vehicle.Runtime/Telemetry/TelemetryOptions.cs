namespace Vehicle.Runtime.Telemetry;

/// <summary>
/// Which OpenTelemetry exporters run, bound from the <c>Telemetry</c> section. Endpoints, headers
/// and resource attributes of OTLP come from the standard <c>OTEL_*</c> environment variables.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Comma-separated exporters: <c>console</c> (to stderr, so stdout stays machine-readable),
    /// <c>otlp</c>. Default: empty, telemetry off.
    /// </summary>
    public string Exporters { get; set; } = string.Empty;

    internal bool Has(string exporter) =>
        Exporters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Contains(exporter, StringComparer.OrdinalIgnoreCase);
}
