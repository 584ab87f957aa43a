using System.Buffers;
using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Packets;

namespace Vehicle.Bus;

/// <summary>
/// How the car knows a reply comes from its responder: the responder signs each reply with
/// HMAC-SHA256 under a key the two share (<c>Bus:ReplyKey</c>, <c>Responder:ReplyKey</c>; the
/// embedded cloud makes one per start), over the correlation data and the payload, and sends the
/// signature as the MQTT 5 user property <see cref="Property"/>. The car acts on a suggested
/// command only when the signature checks out; anyone who can publish on its reply topic can
/// still make it say something, never make it do something.
/// </summary>
public static class ReplySignature
{
    /// <summary>The user property that carries the signature (base64).</summary>
    public const string Property = "copilot-signature";

    /// <summary>Shortest key accepted, in bytes.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>A new random key, base64 (what <c>ReplyKey</c> settings hold).</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinKeyBytes));

    /// <summary>The key bytes of a <c>ReplyKey</c> setting; null for none.</summary>
    /// <exception cref="ArgumentException">Not base64, or shorter than <see cref="MinKeyBytes"/>.</exception>
    public static byte[]? ParseKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        var bytes = new byte[key.Length];
        if (!Convert.TryFromBase64String(key, bytes, out var length) || length < MinKeyBytes)
        {
            throw new ArgumentException($"ReplyKey must be base64 of at least {MinKeyBytes} random bytes (e.g. `openssl rand -base64 32`)", nameof(key));
        }

        return bytes[..length];
    }

    /// <summary>The signature of a reply.</summary>
    public static string Sign(byte[] key, ReadOnlySpan<byte> correlation, ReadOnlySpan<byte> payload) => Convert.ToBase64String(Mac(key, correlation, payload));

    /// <summary>Whether <paramref name="message"/> carries a valid signature under <paramref name="key"/>.</summary>
    public static bool Verify(byte[]? key, MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (key is null || message.CorrelationData is not { } correlation || message.UserProperties is not { } properties)
        {
            return false;
        }

        var value = properties.FirstOrDefault(p => p.Name == Property)?.ReadValueAsString();
        var claimed = new byte[32];
        if (value is null || !Convert.TryFromBase64String(value, claimed, out var length) || length != claimed.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(claimed, Mac(key, correlation, message.Payload.ToArray()));
    }

    /// <summary>Signs a reply being built.</summary>
    public static MqttApplicationMessageBuilder WithSignature(this MqttApplicationMessageBuilder message, byte[] key, ReadOnlySpan<byte> correlation, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.WithUserProperty(Property, System.Text.Encoding.ASCII.GetBytes(Sign(key, correlation, payload)));
    }

    private static byte[] Mac(byte[] key, ReadOnlySpan<byte> correlation, ReadOnlySpan<byte> payload)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        // Length-prefixed, so no split of the same bytes between the two fields signs the same.
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, correlation.Length);
        hmac.AppendData(length);
        hmac.AppendData(correlation);
        hmac.AppendData(payload);
        return hmac.GetHashAndReset();
    }
}
