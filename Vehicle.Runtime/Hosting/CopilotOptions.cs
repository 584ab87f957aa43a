using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vehicle.Bus.Car;
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
    /// Binds every section through Microsoft.Extensions.Options and validates the result.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is out of range or the settings contradict each other; the message lists every failure.</exception>
    public static CopilotOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var services = new ServiceCollection();
        Add<NluOptions>(services, configuration, NluOptions.SectionName);
        Add<CommandChannelOptions>(services, configuration, CommandChannelOptions.SectionName);
        Add<VehicleOptions>(services, configuration, VehicleOptions.SectionName);
        Add<CloudOptions>(services, configuration, CloudOptions.SectionName);
        Add<CarBusOptions>(services, configuration, CarBusOptions.SectionName);
        Add<PrivacyOptions>(services, configuration, PrivacyOptions.SectionName);
        Add<ProfileOptions>(services, configuration, ProfileOptions.SectionName);
        Add<TelemetryOptions>(services, configuration, TelemetryOptions.SectionName);
        Add<ResponseTable>(services, configuration, ResponseTable.SectionName);
        using var provider = services.BuildServiceProvider();
        var options = new CopilotOptions
        {
            Nlu = Get<NluOptions>(provider, NluOptions.SectionName),
            Channel = Get<CommandChannelOptions>(provider, CommandChannelOptions.SectionName),
            Vehicle = Get<VehicleOptions>(provider, VehicleOptions.SectionName),
            Cloud = Get<CloudOptions>(provider, CloudOptions.SectionName),
            Bus = Get<CarBusOptions>(provider, CarBusOptions.SectionName),
            Privacy = Get<PrivacyOptions>(provider, PrivacyOptions.SectionName),
            Profile = Get<ProfileOptions>(provider, ProfileOptions.SectionName),
            Telemetry = Get<TelemetryOptions>(provider, TelemetryOptions.SectionName),
            Responses = Get<ResponseTable>(provider, ResponseTable.SectionName),
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks what the setters cannot: settings that depend on each other.</summary>
    /// <exception cref="OptionsValidationException">With every failure found.</exception>
    public void Validate()
    {
        var failures = new List<string>();
        if (Cloud.Mode == CloudMode.Remote && string.IsNullOrEmpty(Bus.Connection.Broker))
        {
            failures.Add("Cloud:Mode is remote but Bus:Connection:Broker is not set");
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

    private static void Add<T>(ServiceCollection services, IConfiguration configuration, string section)
        where T : class =>
        services.AddOptions<T>().Bind(configuration.GetSection(section));

    private static T Get<T>(ServiceProvider provider, string section)
        where T : class
    {
        try
        {
            return provider.GetRequiredService<IOptions<T>>().Value;
        }
        catch (Exception e) when (e is InvalidOperationException or System.Reflection.TargetInvocationException)
        {
            // A setter refused a value while binding (validated options, as the channel's are: the
            // binder reaches them by reflection), or a value is not of its type (an unknown Cloud:Mode).
            var reason = e.InnerException is ArgumentException inner ? inner.Message : e.Message;
            throw new OptionsValidationException(typeof(T).Name, typeof(T), [$"{section}: {reason}"]);
        }
    }
}
