using System.Text;

namespace Sniffer.Fingerprinting;

/// <summary>
/// Turns attacker-controlled bytes into a bounded .NET string that is always safe to hand to Utf8JsonWriter:
/// invalid UTF-8 becomes U+FFFD, NUL and other control characters are kept (the JSON writer escapes them), and
/// anything longer than the named limit is cut and ends with <see cref="TruncationMark"/>.
/// </summary>
public static class WireText
{
    /// <summary>Appended to a value that was cut at its limit, so an analyst can tell.</summary>
    public const char TruncationMark = '\u2026';

    /// <summary>Default limit for a string field from the wire (documented in docs/schema.md).</summary>
    public const int DefaultMaxLength = 1024;

    public static string Decode(ReadOnlySpan<byte> wire, int maxLength = DefaultMaxLength)
    {
        bool truncated = false;
        if (wire.Length > maxLength)
        {
            wire = wire[..maxLength];
            truncated = true;
        }

        if (!truncated && System.Text.Ascii.IsValid(wire))
        {
            return Caching.AsciiStringPool.Get(wire); // repeated banners, agents, server strings: one string per worker
        }

        string text = Encoding.UTF8.GetString(wire);
        if (truncated)
        {
            // Do not leave half a surrogate pair or a replacement char from a cut multi-byte sequence dangling.
            if (text.Length > 0 && (char.IsHighSurrogate(text[^1]) || text[^1] == '\uFFFD'))
            {
                text = text[..^1];
            }

            text += TruncationMark;
        }

        return text;
    }

    public static bool IsTruncated(string? value) => value is { Length: > 0 } && value[^1] == TruncationMark;
}
