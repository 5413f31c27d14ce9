namespace Sniffer.Hashing;

/// <summary>Lowercase hexadecimal into caller-provided UTF-8 or UTF-16 buffers (no intermediate string).</summary>
public static class Hex
{
    private static ReadOnlySpan<byte> Digits => "0123456789abcdef"u8;

    /// <summary>Writes 2 × <paramref name="source"/>.Length bytes; returns that count.</summary>
    public static int EncodeLower(ReadOnlySpan<byte> source, Span<byte> utf8)
    {
        var digits = Digits;
        for (int i = 0; i < source.Length; i++)
        {
            utf8[2 * i] = digits[source[i] >> 4];
            utf8[(2 * i) + 1] = digits[source[i] & 0xF];
        }

        return 2 * source.Length;
    }

    /// <summary>Writes 2 × <paramref name="source"/>.Length chars; returns that count.</summary>
    public static int EncodeLower(ReadOnlySpan<byte> source, Span<char> chars)
    {
        var digits = Digits;
        for (int i = 0; i < source.Length; i++)
        {
            chars[2 * i] = (char)digits[source[i] >> 4];
            chars[(2 * i) + 1] = (char)digits[source[i] & 0xF];
        }

        return 2 * source.Length;
    }

    /// <summary>The four lowercase hex digits of <paramref name="value"/> (like <c>value.ToString("x4")</c>).</summary>
    public static void Write4(ushort value, Span<byte> utf8)
    {
        var digits = Digits;
        utf8[0] = digits[value >> 12];
        utf8[1] = digits[(value >> 8) & 0xF];
        utf8[2] = digits[(value >> 4) & 0xF];
        utf8[3] = digits[value & 0xF];
    }

    /// <summary>Lowercase hex of a short digest as a string (the one allocation a stored fingerprint needs).</summary>
    public static string ToStringLower(ReadOnlySpan<byte> source)
    {
        Span<char> chars = stackalloc char[128];
        if (source.Length > 64)
        {
            return Convert.ToHexStringLower(source);
        }

        int n = EncodeLower(source, chars);
        return new string(chars[..n]);
    }
}
