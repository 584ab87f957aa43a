using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Vehicle.Bus.Mqtt;
using Vehicle.Runtime.Catalog;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Tests;

/// <summary>The car's settings are bound and validated before anything starts.</summary>
public sealed class CopilotOptionsTests
{
    [Fact]
    public void FromConfiguration_EverySection_Bound()
    {
        var options = CopilotOptions.FromConfiguration(Config(new()
        {
            ["Nlu:MaxUtteranceChars"] = "500",
            ["Channel:CriticalBudget"] = "00:00:00.040",
            ["Channel:CloudAnswerBudget"] = "00:01:00",
            ["Cloud:Mode"] = "remote",
            ["Bus:Connection:Broker"] = "mqtts://broker.example:8883",
            ["Bus:VehicleId"] = "wagen-7",
            ["Privacy:LocationPrecisionKm"] = "5",
            ["Profile:Path"] = "/tmp/p.db",
            ["Vehicle:SignalsPath"] = "/tmp/signals.yaml",
            ["Responses:Busy"] = "Einen Moment bitte.",
        }));

        Assert.Equal(500, options.Nlu.MaxUtteranceChars);
        Assert.Equal(TimeSpan.FromMilliseconds(40), options.Channel.CriticalBudget);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Channel.CloudAnswerBudget);
        Assert.Equal(CloudMode.Remote, options.Cloud.Mode);
        Assert.Equal(("mqtts://broker.example:8883", "wagen-7"), (options.Bus.Connection.Broker, options.Bus.VehicleId));
        Assert.Equal(5, options.Privacy.LocationPrecisionKm);
        Assert.Equal("/tmp/p.db", options.Profile.ResolvePath());
        Assert.Equal("/tmp/signals.yaml", options.Vehicle.ResolveSignalsPath());
        Assert.Equal("Einen Moment bitte.", options.Responses.Busy);
    }

    [Theory]
    [InlineData("Channel:CriticalBudget", "-00:00:01", "Channel")]
    [InlineData("Nlu:MaxSequenceLength", "4", "MaxSequenceLength")]
    [InlineData("Cloud:Mode", "satellite", "Cloud")]
    [InlineData("Bus:VehicleId", "car/../other", "VehicleId")]
    public void FromConfiguration_BadValue_OptionsValidationExceptionNamingIt(string key, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => CopilotOptions.FromConfiguration(Config(new() { [key] = value })));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Vehicle:Kuksa:Address", "databroker:55555")]
    [InlineData("Vehicle:Kuksa:ConfirmTimeout", "00:00:00")]
    [InlineData("Vehicle:Kuksa:ReconnectDelay", "-00:00:01")]
    public void Validate_KuksaSettingOutOfRange_RefusedNamingIt(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => CopilotOptions.FromConfiguration(Config(new() { ["Vehicle:Api"] = "kuksa", [key] = value })));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RemoteWithoutBroker_Refused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => CopilotOptions.FromConfiguration(Config(new() { ["Cloud:Mode"] = "remote" })));

        Assert.Contains("Bus:Connection:Broker", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:1883")]
    [InlineData("http://broker:1883")]
    public void Validate_RemoteWithABrokerThatIsNoMqttAddress_RefusedNamingIt(string broker)
    {
        var error = Assert.Throws<OptionsValidationException>(() => CopilotOptions.FromConfiguration(Config(new() { ["Cloud:Mode"] = "remote", ["Bus:Connection:Broker"] = broker })));

        Assert.Contains("Bus:Connection:Broker: broker must look like mqtt://", error.Message, StringComparison.Ordinal);
        Assert.Contains(broker, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_EmbeddedCloudAskedAndNoneOffered_ClearErrorAndNothingLeftRunning()
    {
        var error = await StartFailsAsync<InvalidOperationException>(new CopilotOptions());
        Assert.Contains("Cloud:Mode is embedded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ModelMissingWhileTheEmbeddedCloudStarts_ClearErrorAndTheCloudReleased()
    {
        // The encoder sessions and the embedded cloud start side by side: when one fails, the
        // start fails with its error and what the other made is released.
        var options = new CopilotOptions();
        options.Nlu.ModelPath = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");
        options.Nlu.VocabPath = options.Nlu.ModelPath + ".vocab";
        var cloud = new FakeCloudLifetime();

        var error = await StartFailsAsync<FileNotFoundException>(options, new CopilotServices { EmbeddedCloud = cloud.Start });

        Assert.Contains("Nlu:ModelPath", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, cloud.Disposals);
    }

    [Fact]
    public async Task StartAsync_BrokenCatalog_CatalogErrorAndNoEmbeddedCloudStarted()
    {
        var options = new CopilotOptions();
        options.Nlu.CatalogPath = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(options.Nlu.CatalogPath, "intents: [");
        var cloud = new FakeCloudLifetime();
        try
        {
            var error = await StartFailsAsync<CatalogException>(options, new CopilotServices { EmbeddedCloud = cloud.Start });
            Assert.Contains(options.Nlu.CatalogPath, error.Message, StringComparison.Ordinal);
            Assert.Equal(0, cloud.Starts);
        }
        finally
        {
            File.Delete(options.Nlu.CatalogPath);
        }
    }

    /// <summary>A start that fails with <typeparamref name="T"/>, the car's profile in a temporary file removed after.</summary>
    private static async Task<T> StartFailsAsync<T>(CopilotOptions options, CopilotServices? services = null)
        where T : Exception
    {
        options.Profile.Path = Path.Combine(Path.GetTempPath(), $"options-{Guid.NewGuid():N}.db");
        try
        {
            return await Assert.ThrowsAsync<T>(() => CopilotHost.StartAsync(options, services));
        }
        finally
        {
            ProfileStore.Delete(options.Profile.Path);
        }
    }

    /// <summary>An embedded cloud that counts its starts and its disposals.</summary>
    private sealed class FakeCloudLifetime : IAsyncDisposable
    {
        private int _starts;
        private int _disposals;

        public int Starts => Volatile.Read(ref _starts);

        public int Disposals => Volatile.Read(ref _disposals);

        public Task<EmbeddedCloudLink> Start(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _starts);
            return Task.FromResult(new EmbeddedCloudLink(new BrokerOptions(), null, this));
        }

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref _disposals);
            return ValueTask.CompletedTask;
        }
    }

    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
