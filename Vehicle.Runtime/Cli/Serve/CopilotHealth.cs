using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vehicle.Runtime.Cli.Serve;

/// <summary>
/// Health on the gRPC health protocol (<c>grpc.health.v1.Health</c>): service <c>liveness</c>
/// (the process answers), <c>readiness</c> (the model is loaded, the vehicle API is connected, the
/// bus state), and <c>""</c> for all of them. A bus that is down degrades readiness but does not
/// fail it: commands run on board and questions wait in the outbox.
/// </summary>
internal static class CopilotHealth
{
    public const string Live = "live";
    public const string Ready = "ready";

    public static IHealthChecksBuilder AddCopilotChecks(this IHealthChecksBuilder checks) =>
        checks
            .AddCheck("process", () => HealthCheckResult.Healthy("answering"), [Live])
            .AddCheck<ModelCheck>("model", tags: [Ready])
            .AddCheck<VehicleCheck>("vehicle", tags: [Ready])
            .AddCheck<BusCheck>("bus", tags: [Ready]);

    private sealed class ModelCheck(CopilotService service) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(service.Car is { } car
                ? HealthCheckResult.Healthy($"model loaded ({car.Options.Nlu.Precision.ToString().ToLowerInvariant()})")
                : HealthCheckResult.Unhealthy("the car is not running"));
    }

    private sealed class VehicleCheck(CopilotService service) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (service.Car is not { } car)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("the car is not running"));
            }

            var vehicle = car.VehicleApi;
            return Task.FromResult(vehicle.Connected
                ? HealthCheckResult.Healthy(vehicle.Description)
                : HealthCheckResult.Unhealthy(vehicle.Description));
        }
    }

    private sealed class BusCheck(CopilotService service) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (service.Car is not { } car)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("the car is not running"));
            }

            return Task.FromResult(car.Bus switch
            {
                null => HealthCheckResult.Healthy("no bus (cloud off or replaced)"),
                { IsConnected: true } bus => HealthCheckResult.Healthy($"connected to {bus.Broker.Host}:{bus.Broker.Port}"),
                var bus => HealthCheckResult.Degraded($"offline ({bus.ConnectionFailures.LastError ?? "connecting"}); {bus.Pending} questions wait in the outbox"),
            });
        }
    }
}
