using Microsoft.Extensions.Logging;

namespace Vehicle.Bus;

/// <summary>The bus's log messages (source-generated).</summary>
internal static partial class BusLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox full ({Capacity}): evicted the oldest query {Id}")]
    public static partial void Evicted(ILogger logger, int capacity, Guid id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Egress guard refused query {Id}: {Objection}")]
    public static partial void Blocked(ILogger logger, Guid id, string objection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Broker} as {Vehicle} (session {Session}); {Pending} queries pending")]
    public static partial void Connected(ILogger logger, Uri broker, string vehicle, string session, int pending);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {Broker} unreachable ({Error}); retrying with backoff up to {Max}")]
    public static partial void Unreachable(ILogger logger, Uri broker, string error, TimeSpan max);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconnect attempt {Attempt} failed ({Error}); next in {Delay}")]
    public static partial void RetryFailed(ILogger logger, int attempt, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "The runtime failed to take the news that query {Id} was dropped")]
    public static partial void DropNoticeFailed(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The bus's sender loop caught an error and goes on")]
    public static partial void SenderFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Query {Id} expired unanswered")]
    public static partial void Expired(ILogger logger, Guid id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker did not accept query {Id}: {Reason}")]
    public static partial void NotAccepted(ILogger logger, Guid id, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Publish of {Id} interrupted ({Error}); it goes again after the reconnect")]
    public static partial void PublishInterrupted(ILogger logger, Guid id, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The runtime failed to take the reply to {Id} (it is not asked again)")]
    public static partial void SinkFailed(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Query {Id} refused: the outbox could not store it ({Error})")]
    public static partial void StoreFailed(ILogger logger, Guid id, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply to {Id} suggests a command but is not from an authenticated responder ({Why}): the command is dropped, the answer kept")]
    public static partial void UnauthenticatedCommand(ILogger logger, Guid id, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a message ({Reason}): {Detail}")]
    public static partial void Dropped(ILogger logger, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Disconnect failed: {Error}")]
    public static partial void DisconnectFailed(ILogger logger, string error);
}
