using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Vehicle.Voice.Vad;

/// <summary>
/// Finds the Silero VAD v5 model that <c>provision-vad.sh</c> took from the npm package
/// <c>@ricky0123/vad-web</c> 0.0.31 (MIT) and checks its SHA-256 before it is loaded.
/// </summary>
public static partial class VadModel
{
    /// <summary>SHA-256 of <c>dist/silero_vad_v5.onnx</c> in <c>@ricky0123/vad-web</c> 0.0.31.</summary>
    public const string Sha256 = "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f";

    /// <summary>Where the provisioning script caches it: <c>$XDG_CACHE_HOME/vehicle-copilot/silero_vad_v5.onnx</c>.</summary>
    public static string DefaultPath()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
        {
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(cache, "vehicle-copilot", "silero_vad_v5.onnx");
    }

    /// <summary>
    /// The Silero detector when the model is there and intact; otherwise the energy detector, with a
    /// warning that says why and how to provision the model.
    /// </summary>
    public static IVoiceActivityDetector Create(string? path, ILogger logger)
    {
        path ??= DefaultPath();
        if (!File.Exists(path))
        {
            LogFallback(logger, path, "not found (run Vehicle.Voice/provision-vad.sh)");
            return new EnergyVad();
        }

        using (var stream = File.OpenRead(path))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (hash != Sha256)
            {
                LogFallback(logger, path, $"SHA-256 {hash} is not the expected {Sha256}");
                return new EnergyVad();
            }
        }

        return new SileroVad(path);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silero VAD model {Path} {Why}: using the energy detector")]
    private static partial void LogFallback(ILogger logger, string path, string why);
}
