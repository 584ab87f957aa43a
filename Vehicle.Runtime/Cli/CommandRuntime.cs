using Microsoft.Extensions.Configuration;
using Vehicle.Runtime.Cloud;
using Vehicle.Runtime.Commands;
using Vehicle.Runtime.Nlu;
using Vehicle.Runtime.Privacy;
using Vehicle.Runtime.Vehicle;

namespace Vehicle.Runtime.Cli;

/// <summary>
/// The runtime the CLI drives: a simulated vehicle (signal store), the command channel, and the
/// cloud link (by default an embedded broker with the built-in responder).
/// </summary>
internal sealed class CommandRuntime : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, TaskCompletionSource<CloudResult>> _waiting = [];
    private readonly Dictionary<Guid, CloudResult> _arrived = [];

    private CommandRuntime(SignalStore store, CommandChannel channel, CloudLink? cloud, CloudOptions cloudOptions, ProfileStore profile)
    {
        Store = store;
        Profile = profile;
        Channel = channel;
        Cloud = cloud;
        AnswerWait = cloudOptions.AnswerWait;
        if (cloud is not null)
        {
            cloud.Gateway.Completed += Arrived;
        }
    }

    /// <summary>A cloud result nobody is waiting for (answers to earlier runs' questions, answers the chat prints).</summary>
    public event Action<CloudResult>? Unclaimed;

    public SignalStore Store { get; }

    /// <summary>The driver's profile.</summary>
    public ProfileStore Profile { get; }

    public CommandChannel Channel { get; }

    public CloudLink? Cloud { get; }

    public TimeSpan AnswerWait { get; }

    public static CommandRuntime Start(CliApp app)
    {
        var store = new SignalStore(SignalStore.LoadDefinitions(Path.Combine(AppContext.BaseDirectory, "Vehicle", "signals.yaml")));
        var options = app.Configuration.GetSection(CommandChannelOptions.SectionName).Get<CommandChannelOptions>() ?? new CommandChannelOptions();
        var cloudOptions = app.Configuration.GetSection(CloudOptions.SectionName).Get<CloudOptions>() ?? new CloudOptions();
        CloudLink? cloud = null;
        Understander? critical = null;
        Understander? interactive = null;
        var profile = OpenProfile(app);
        try
        {
            // Two inference sessions: the critical lane never shares one with the other lanes.
            critical = Understander.Create(app.Nlu, app.LoggerFactory);
            interactive = critical.CreateSibling(app.LoggerFactory);
            var privacy = new CloudPrivacy(PrivacyOptionsOf(app), () => profile.Current, () => store.Position);
            cloud = CloudLink.StartAsync(app.Configuration, loggerFactory: app.LoggerFactory, privacy: privacy).GetAwaiter().GetResult();
            var channel = CommandChannel.Create(critical, interactive, app.Nlu.ResolveCatalogPath(), store, options: options, cloud: cloud?.Gateway, loggerFactory: app.LoggerFactory, profile: profile);
            cloud?.Gateway.Attach(channel);
            return new CommandRuntime(store, channel, cloud, cloudOptions, profile);
        }
        catch
        {
            critical?.Dispose();
            interactive?.Dispose();
            cloud?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            profile.Dispose();
            throw;
        }
    }

    /// <summary>The profile store configuration names (<c>Profile:Path</c>).</summary>
    public static ProfileStore OpenProfile(CliApp app) =>
        ProfileStore.Open((app.Configuration.GetSection(ProfileOptions.SectionName).Get<ProfileOptions>() ?? new ProfileOptions()).ResolvePath());

    /// <summary>The <c>Privacy</c> section.</summary>
    public static PrivacyOptions PrivacyOptionsOf(CliApp app) =>
        app.Configuration.GetSection(PrivacyOptions.SectionName).Get<PrivacyOptions>() ?? new PrivacyOptions();

    /// <summary>Submits one line and waits for its outcome.</summary>
    public CommandOutcome Submit(string text, Seat seat) => Channel.SubmitAsync(text, seat).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Waits up to <see cref="AnswerWait"/> for the cloud result of a routed_cloud outcome whose
    /// question went out; null when it did not come in time (or the question is queued offline).
    /// </summary>
    public CloudResult? WaitForAnswer(CommandOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.CloudQueryId is not { } id || Cloud is null)
        {
            return null;
        }

        TaskCompletionSource<CloudResult> waiting;
        lock (_gate)
        {
            if (_arrived.Remove(id, out var result))
            {
                return result;
            }

            if (outcome.Reason == "queued_offline")
            {
                return null;
            }

            waiting = new TaskCompletionSource<CloudResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[id] = waiting;
        }

        if (waiting.Task.Wait(AnswerWait))
        {
            return waiting.Task.Result;
        }

        lock (_gate)
        {
            _waiting.Remove(id);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await Channel.DisposeAsync().ConfigureAwait(false);
        if (Cloud is not null)
        {
            await Cloud.DisposeAsync().ConfigureAwait(false);
        }

        await Profile.DisposeAsync().ConfigureAwait(false);
    }

    private void Arrived(CloudResult result)
    {
        lock (_gate)
        {
            if (_waiting.Remove(result.QueryId, out var waiting))
            {
                waiting.TrySetResult(result);
                return;
            }

            _arrived[result.QueryId] = result;
        }

        Unclaimed?.Invoke(result);
    }
}
