using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Vehicle.Bus.Car;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Responses;
using Vehicle.Runtime.Telemetry;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Hosting;

/// <summary>
/// Every setting of the car, one sealed options class per configuration section. Bind them from
/// configuration with <see cref="FromConfiguration"/> (validated there, so a bad setting stops
/// the start with all its errors at once), or build them in code.
/// </summary>
public sealed class CopilotOptions
{
    /// <summary>Understanding: model, catalog, execution provider (<c>Nlu</c>).</summary>
    public NluOptions Nlu { get; init; } = new();

    /// <summary>Budgets, capacities, policy settings (<c>Channel</c>).</summary>
    public CommandChannelOptions Channel { get; init; } = new();

    /// <summary>The signal definitions (<c>Vehicle</c>).</summary>
    public VehicleOptions Vehicle { get; init; } = new();

    /// <summary>Where world questions go (<c>Cloud</c>).</summary>
    public CloudOptions Cloud { get; init; } = new();

    /// <summary>The car's MQTT client and outbox (<c>Bus</c>).</summary>
    public CarBusOptions Bus { get; init; } = new();

    /// <summary>Redaction and location precision (<c>Privacy</c>).</summary>
    public PrivacyOptions Privacy { get; init; } = new();

    /// <summary>The driver's profile store (<c>Profile</c>).</summary>
    public ProfileOptions Profile { get; init; } = new();

    /// <summary>Exporters (<c>Telemetry</c>).</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>The fixed sentences the copilot says (<c>Responses</c>; English by default).</summary>
    public ResponseTable Responses { get; init; } = new();

    /// <summary>
    /// Binds every section (by the configuration binder's generated code: no reflection at start)
    /// and validates the result.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is out of range or the settings contradict each other; the message lists every failure.</exception>
    public static CopilotOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new CopilotOptions();
        Bind(NluOptions.SectionName, typeof(NluOptions), () => configuration.GetSection(NluOptions.SectionName).Bind(options.Nlu));
        Bind(CommandChannelOptions.SectionName, typeof(CommandChannelOptions), () => configuration.GetSection(CommandChannelOptions.SectionName).Bind(options.Channel));
        Bind(VehicleOptions.SectionName, typeof(VehicleOptions), () => configuration.GetSection(VehicleOptions.SectionName).Bind(options.Vehicle));
        Bind(CloudOptions.SectionName, typeof(CloudOptions), () => configuration.GetSection(CloudOptions.SectionName).Bind(options.Cloud));
        Bind(CarBusOptions.SectionName, typeof(CarBusOptions), () => configuration.GetSection(CarBusOptions.SectionName).Bind(options.Bus));
        Bind(PrivacyOptions.SectionName, typeof(PrivacyOptions), () => configuration.GetSection(PrivacyOptions.SectionName).Bind(options.Privacy));
        Bind(ProfileOptions.SectionName, typeof(ProfileOptions), () => configuration.GetSection(ProfileOptions.SectionName).Bind(options.Profile));
        Bind(TelemetryOptions.SectionName, typeof(TelemetryOptions), () => configuration.GetSection(TelemetryOptions.SectionName).Bind(options.Telemetry));
        Bind(ResponseTable.SectionName, typeof(ResponseTable), () => configuration.GetSection(ResponseTable.SectionName).Bind(options.Responses));
        options.Validate();
        return options;
    }

    /// <summary>Checks what the setters cannot: settings that depend on each other.</summary>
    /// <exception cref="OptionsValidationException">With every failure found.</exception>
    public void Validate()
    {
        var failures = new List<string>();
        if (Cloud.Mode == CloudMode.Remote)
        {
            try
            {
                // Checked at start, not an unhandled exception at the first connection.
                MqttConnection.ParseBroker(Bus.Connection.Broker ?? string.Empty);
            }
            catch (ArgumentException e)
            {
                failures.Add(string.IsNullOrEmpty(Bus.Connection.Broker) ? "Cloud:Mode is remote but Bus:Connection:Broker is not set" : $"Bus:Connection:Broker: {e.Message}");
            }
        }

        if (Privacy.LocationPrecisionKm <= 0)
        {
            failures.Add("Privacy:LocationPrecisionKm must be positive");
        }

        if (Bus.MaxPayloadBytes < 64)
        {
            failures.Add("Bus:MaxPayloadBytes must be at least 64");
        }

        if (Vehicle.Api == VehicleApi.Kuksa)
        {
            failures.AddRange(Vehicle.Kuksa.Validate());
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(nameof(CopilotOptions), typeof(CopilotOptions), failures);
        }
    }

    /// <summary>Binds one section; a value a setter refuses, or one not of its type (an unknown Cloud:Mode), is a validation error naming the section.</summary>
    private static void Bind(string section, Type type, Action bind)
    {
        try
        {
            bind();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            var reason = e.InnerException is ArgumentException inner ? inner.Message : e.Message;
            throw new OptionsValidationException(type.Name, type, [$"{section}: {reason}"]);
        }
    }
}
