namespace Vehicle.Runtime.Cli.Serve;

/// <summary>The service's own settings (section <c>Serve</c>); the car's are the usual sections.</summary>
internal sealed class ServeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Serve";

    /// <summary>
    /// The Unix domain socket of the local API. Default: <c>$RUNTIME_DIRECTORY/copilot.sock</c>
    /// (systemd's <c>RuntimeDirectory</c>), else <c>$XDG_RUNTIME_DIR/vehicle-copilot/copilot.sock</c>,
    /// else <c>/tmp/vehicle-copilot-$USER/copilot.sock</c>.
    /// </summary>
    public string? Socket { get; set; }

    /// <summary>Permissions of the socket file, octal: who may talk to the copilot. Default: 0660 (owner and group).</summary>
    public string SocketMode { get; set; } = "0660";

    /// <summary>The optional TCP listener (off unless <see cref="TcpOptions.Port"/> is set); always mutual TLS.</summary>
    public TcpOptions Tcp { get; set; } = new();

    /// <summary>How often habits are checked for a suggestion to offer. Default: one minute.</summary>
    public TimeSpan SuggestionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Events kept for a slow <c>Events</c> subscriber before the oldest are dropped (and counted). Default: 1024.</summary>
    public int EventBuffer { get; set; } = 1024;

    /// <summary>The socket path to listen on.</summary>
    public string ResolveSocket()
    {
        if (!string.IsNullOrEmpty(Socket))
        {
            return Socket;
        }

        if (Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } runtime)
        {
            // systemd may list several directories separated by ':'; the first is this service's.
            return Path.Combine(runtime.Split(':')[0], "copilot.sock");
        }

        return Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg
            ? Path.Combine(xdg, "vehicle-copilot", "copilot.sock")
            : Path.Combine(Path.GetTempPath(), $"vehicle-copilot-{Environment.UserName}", "copilot.sock");
    }

    /// <summary>Every setting error, empty when valid.</summary>
    public List<string> Validate()
    {
        var failures = new List<string>();
        if (!TryParseMode(SocketMode, out _))
        {
            failures.Add($"Serve:SocketMode '{SocketMode}' is not an octal file mode such as 0660");
        }

        if (SuggestionInterval <= TimeSpan.Zero)
        {
            failures.Add("Serve:SuggestionInterval must be positive");
        }

        if (EventBuffer < 1)
        {
            failures.Add("Serve:EventBuffer must be at least 1");
        }

        if (Tcp.Port is < 0 or > 65535)
        {
            failures.Add("Serve:Tcp:Port must be 0 (off) to 65535");
        }
        else if (Tcp.Port != 0 && (string.IsNullOrEmpty(Tcp.Certificate) || string.IsNullOrEmpty(Tcp.Key) || string.IsNullOrEmpty(Tcp.ClientCa)))
        {
            failures.Add("Serve:Tcp needs Certificate, Key and ClientCa (PEM files): the TCP listener is mutual TLS only");
        }

        return failures;
    }

    /// <summary>Parses an octal mode ("0660") into <see cref="UnixFileMode"/> bits.</summary>
    public static bool TryParseMode(string? text, out UnixFileMode mode)
    {
        mode = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4)
        {
            return false;
        }

        var bits = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            bits = (bits * 8) + (c - '0');
        }

        mode = (UnixFileMode)bits;
        return true;
    }
}

/// <summary>The TCP listener of the local API (for a head unit on another ECU): mutual TLS, client certificates from one CA.</summary>
internal sealed class TcpOptions
{
    /// <summary>Port; 0 (default) leaves TCP off.</summary>
    public int Port { get; set; }

    /// <summary>Address to bind. Default: all interfaces.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>The server's certificate (PEM).</summary>
    public string? Certificate { get; set; }

    /// <summary>The server certificate's private key (PEM).</summary>
    public string? Key { get; set; }

    /// <summary>The CA (PEM) a client certificate must chain to.</summary>
    public string? ClientCa { get; set; }
}
