using System.Globalization;
using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Vehicle.Bus.Cloud;

/// <summary>Settings of an OpenAI-compatible chat endpoint.</summary>
public sealed class ChatBackendOptions
{
    /// <summary>Base URL, e.g. <c>https://api.openai.com/v1</c> or a local server's <c>http://127.0.0.1:8080/v1</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Model name.</summary>
    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>API key (also from the environment variable <c>OPENAI_API_KEY</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries of a failed HTTP call (429, 5xx, network errors) inside one question.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Longest wait for one HTTP call.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>What the model is told first.</summary>
    public string SystemPrompt { get; set; } =
        "You are a car's voice assistant. Answer in one or two short spoken sentences. " +
        "Keep placeholders such as <PERSON_1> exactly as written.";
}

/// <summary>Any OpenAI-compatible chat endpoint through Microsoft.Extensions.AI's <see cref="IChatClient"/>.</summary>
public sealed class ChatClientBackend : ICloudBackend, IDisposable
{
    private readonly IChatClient _client;
    private readonly string _systemPrompt;

    /// <summary>Wraps an existing chat client.</summary>
    public ChatClientBackend(IChatClient client, string systemPrompt)
    {
        _client = client;
        _systemPrompt = systemPrompt;
    }

    /// <inheritdoc/>
    public string Name => "chat";

    /// <summary>A backend for an OpenAI-compatible endpoint.</summary>
    /// <exception cref="ArgumentException">No URL.</exception>
    public static ChatClientBackend Create(ChatBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.Url) || !Uri.TryCreate(options.Url, UriKind.Absolute, out var endpoint))
        {
            throw new ArgumentException("the chat backend needs Responder:Chat:Url (an OpenAI-compatible base URL)", nameof(options));
        }

        var key = options.ApiKey ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY") ?? "none";
        var client = new OpenAI.Chat.ChatClient(options.Model, new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(options.MaxRetries),
            NetworkTimeout = options.Timeout,
        });
        return new ChatClientBackend(client.AsIChatClient(), options.SystemPrompt);
    }

    /// <inheritdoc/>
    public async Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, location is null ? _systemPrompt : string.Create(CultureInfo.InvariantCulture, $"{_systemPrompt} The car is within {location.RadiusKm:0} km of latitude {location.Latitude:0.###}, longitude {location.Longitude:0.###}.")), new ChatMessage(ChatRole.User, question)],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var text = response.Text;
            return string.IsNullOrWhiteSpace(text) ? throw new CloudBackendException("the model returned no text") : new CloudAnswer(text.Trim());
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException or InvalidOperationException or AggregateException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CloudBackendException($"chat endpoint failed: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();
}
