using System.Text;

namespace Sniffer.Fingerprinting;

/// <summary>
/// Turns attacker-controlled bytes into a bounded .NET string that is always safe to hand to Utf8JsonWriter:
/// invalid UTF-8 (including CESU-8 surrogate halves) becomes U+FFFD, NUL and other control characters are kept
/// (the JSON writer escapes them, as it escapes U+2028/U+2029), and anything longer than the field's named limit
/// is cut and ends with <see cref="TruncationMark"/>. Every string field from the wire goes through here; each cut
/// is counted so the detector can report <c>field_truncated</c> on the flow.
/// </summary>
public static class WireText
{
    /// <summary>Appended to a value that was cut at its limit, so an analyst can tell.</summary>
    public const char TruncationMark = '\u2026';

    /// <summary>Default limit for a string field from the wire (documented in docs/schema.md).</summary>
    public const int DefaultMaxLength = 1024;

    [ThreadStatic]
    private static int t_truncations;

    /// <summary>Values cut on this thread so far (the detector compares it around metadata extraction).</summary>
    public static int Truncations => t_truncations;

    /// <summary>
    /// Decodes at most <paramref name="maxLength"/> bytes: the result has at most <paramref name="maxLength"/>
    /// characters, plus the mark when the wire value was longer.
    /// </summary>
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
            t_truncations++;
        }

        return text;
    }

    /// <summary>
    /// Bounds a value built from several wire pieces (joined lists, paths): at most <paramref name="maxLength"/>
    /// characters, plus the mark when it was longer. A surrogate pair is never split.
    /// </summary>
    public static string Truncate(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        int cut = maxLength;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        t_truncations++;
        return string.Concat(text.AsSpan(0, cut), TruncationMark.ToString());
    }

    public static bool IsTruncated(string? value) => value is { Length: > 0 } && value[^1] == TruncationMark;
}
