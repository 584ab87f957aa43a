using Microsoft.Extensions.Configuration;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Cli;

/// <summary>The runtime the CLI drives: a simulated vehicle (signal store) and the command channel.</summary>
internal sealed class CommandRuntime : IAsyncDisposable
{
    private CommandRuntime(SignalStore store, CommandChannel channel)
    {
        Store = store;
        Channel = channel;
    }

    public SignalStore Store { get; }

    public CommandChannel Channel { get; }

    public static CommandRuntime Start(CliApp app)
    {
        var store = new SignalStore(SignalStore.LoadDefinitions(Path.Combine(AppContext.BaseDirectory, "Vehicle", "signals.yaml")));
        var options = app.Configuration.GetSection(CommandChannelOptions.SectionName).Get<CommandChannelOptions>() ?? new CommandChannelOptions();
        // Two inference sessions: the critical lane never shares one with the other lanes.
        var critical = Understander.Create(app.Nlu, app.LoggerFactory);
        Understander? interactive = null;
        try
        {
            interactive = critical.CreateSibling(app.LoggerFactory);
            var channel = CommandChannel.Create(critical, interactive, app.Nlu.ResolveCatalogPath(), store, options: options, loggerFactory: app.LoggerFactory);
            return new CommandRuntime(store, channel);
        }
        catch
        {
            critical.Dispose();
            interactive?.Dispose();
            throw;
        }
    }

    /// <summary>Submits one line and waits for its outcome.</summary>
    public CommandOutcome Submit(string text, Seat seat) => Channel.SubmitAsync(text, seat).AsTask().GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => Channel.DisposeAsync();
}
