namespace Vehicle.Bus.Cloud;

/// <summary>The model behind the responder.</summary>
public interface ICloudBackend
{
    /// <summary>Short name for logs.</summary>
    string Name { get; }

    /// <summary>Answers one question; <paramref name="location"/> is the car's coarsened position when the question needs one.</summary>
    /// <exception cref="CloudBackendException">The backend could not answer (the car gets a failed outcome).</exception>
    Task<CloudAnswer> AnswerAsync(string question, CoarseLocation? location, CancellationToken cancellationToken);
}

/// <summary>What the backend says.</summary>
/// <param name="Text">The answer to speak.</param>
/// <param name="Command">An action it suggests, as words (the car applies its own policy to it).</param>
public sealed record CloudAnswer(string Text, string? Command = null);

/// <summary>A backend failure.</summary>
public sealed class CloudBackendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CloudBackendException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudBackendException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CloudBackendException(string message)
        : base(message)
    {
    }
}
