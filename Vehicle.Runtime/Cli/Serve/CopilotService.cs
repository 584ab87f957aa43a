using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vehicle.Copilot.V1;
using Vehicle.Runtime.Hosting;
using Vehicle.Runtime.Privacy;

namespace Vehicle.Runtime.Cli.Serve;

/// <summary>
/// The car as a hosted service: started (model loaded, vehicle API and bus connecting) before the
/// socket listens, so the service is ready when systemd hears it is; stopped after the listener
/// has drained its calls: the channel drains its lanes, the bus client flushes its outbox, the
/// profile flushes its history. Feeds the event stream with cloud answers, habit suggestions and
/// the vehicle state the copilot changed.
/// </summary>
internal sealed partial class CopilotService(
    IConfiguration configuration,
    CopilotOptions options,
    ServeOptions serve,
    EventHub events,
    ILoggerFactory loggers,
    TimeProvider time) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<CopilotService>();
    private readonly Lock _suggestionGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private Suggestions? _suggestions;
    private long _loopErrors;

    /// <summary>The car, once started; null while starting and after stopping.</summary>
    public CopilotHost? Car { get; private set; }

    /// <summary>The driver's profile (export, wipe), owned here so the API can reach it.</summary>
    public ProfileStore? Profile { get; private set; }

    /// <summary>Loop errors survived (the loop reported, counted and went on).</summary>
    public long LoopErrors => Interlocked.Read(ref _loopErrors);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Profile = ProfileStore.Open(options.Profile.ResolvePath());
        try
        {
            Car = await CopilotHost.StartAsync(options, new CopilotServices
            {
                LoggerFactory = loggers,
                Profile = Profile,
                EmbeddedCloud = CliApp.EmbeddedCloudOf(configuration, loggers),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await Profile.DisposeAsync().ConfigureAwait(false);
            Profile = null;
            throw;
        }

        var car = Car;
        car.CloudResults += result => events.Publish(new Event { CloudAnswer = Contract.Cloud(result) });
        _suggestions = new Suggestions(Profile, time, options.Responses);
        _loops.Add(Task.Run(() => PublishStateChangesAsync(car), CancellationToken.None));
        _loops.Add(Task.Run(OfferSuggestionsAsync, CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        if (Car is { } car)
        {
            Car = null;
            await car.DisposeAsync().ConfigureAwait(false);
        }

        events.Complete();
        if (Profile is { } profile)
        {
            Profile = null;
            await profile.DisposeAsync().ConfigureAwait(false);
        }

        LogStopped(_logger);
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// The driver's words while a suggestion is pending: the command a "yes" runs; null otherwise
    /// (<paramref name="declined"/> when the words were a "no").
    /// </summary>
    public string? AnswerSuggestion(string text, out bool declined)
    {
        lock (_suggestionGate)
        {
            declined = false;
            if (_suggestions?.Pending is null)
            {
                return null;
            }

            var accepted = _suggestions.Answer(text, out var consumed);
            declined = consumed && accepted is null;
            return accepted;
        }
    }

    private async Task PublishStateChangesAsync(CopilotHost car)
    {
        using var subscription = car.Signals.Subscribe();
        try
        {
            await foreach (var change in subscription.Changes.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                // What the copilot changed: the actuator's writes (the vehicle's own updates are not events).
                if (change.Source == "actuator")
                {
                    events.Publish(new Event
                    {
                        StateChange = new StateChange { Path = change.Path, Previous = Contract.Value(change.Previous), Value = Contract.Value(change.Value) },
                    });
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task OfferSuggestionsAsync()
    {
        var driveStarted = true;
        using var timer = new PeriodicTimer(serve.SuggestionInterval, time);
        do
        {
            try
            {
                Privacy.Suggestion? due;
                lock (_suggestionGate)
                {
                    due = _suggestions!.Due(driveStarted);
                }

                driveStarted = false;
                if (due is not null)
                {
                    events.Publish(new Event { Suggestion = new Copilot.V1.Suggestion { Text = due.Text, Command = due.Habit.Utterance } });
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _loopErrors);
                LogSuggestionFailed(_logger, e);
            }
        }
        while (await Next(timer).ConfigureAwait(false));
    }

    private async Task<bool> Next(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking habits for a suggestion failed; trying again at the next interval")]
    private static partial void LogSuggestionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Copilot stopped: lanes drained, outbox and profile flushed")]
    private static partial void LogStopped(ILogger logger);
}
