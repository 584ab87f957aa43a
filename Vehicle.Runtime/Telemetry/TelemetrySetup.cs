using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Vehicle.Runtime.Telemetry;

/// <summary>Starts the configured exporters; disposing the result flushes them.</summary>
internal static class TelemetrySetup
{
    public static IDisposable? Start(TelemetryOptions options)
    {
        var console = options.Has("console");
        var otlp = options.Has("otlp");
        if (!console && !otlp)
        {
            return null;
        }

        var resource = ResourceBuilder.CreateDefault().AddService("vehicle-copilot");
        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(RuntimeTelemetry.Name);
        var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(RuntimeTelemetry.Name);
        if (console)
        {
            tracing.AddConsoleExporter();
            metrics.AddConsoleExporter();
        }

        if (otlp)
        {
            tracing.AddOtlpExporter();
            metrics.AddOtlpExporter();
        }

        return new Providers(tracing.Build(), metrics.Build());
    }

    private sealed class Providers(TracerProvider? tracer, MeterProvider? meter) : IDisposable
    {
        public void Dispose()
        {
            tracer?.Dispose();
            meter?.Dispose();
        }
    }
}
