namespace Sniffer.Fingerprinting.Text;

/// <summary>RFC 822-style header lookups ("Name: value") in the lines after a start line, bounded.</summary>
public static class HeaderBlock
{
    /// <summary>Header lines looked at after the start line.</summary>
    public const int MaxHeaderLines = 64;

    /// <summary>
    /// Finds the first header named <paramref name="lowerName"/> (or its compact form, e.g. SIP's "f" for From) in
    /// the message starting at <paramref name="message"/>; stops at the blank line.
    /// </summary>
    public static bool TryGet(ReadOnlySpan<byte> message, ReadOnlySpan<byte> lowerName, ReadOnlySpan<byte> compactName, out ReadOnlySpan<byte> value)
    {
        value = default;
        int offset = 0;
        if (!TextLine.Next(message, ref offset, out _))
        {
            return false;
        }

        for (int n = 0; n < MaxHeaderLines && TextLine.Next(message, ref offset, out var line); n++)
        {
            if (line.IsEmpty)
            {
                return false;
            }

            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = TextLine.Trim(line[..colon]);
            if (TextLine.EqualsIgnoreCase(name, lowerName) || (!compactName.IsEmpty && TextLine.EqualsIgnoreCase(name, compactName)))
            {
                value = TextLine.Trim(line[(colon + 1)..]);
                return true;
            }
        }

        return false;
    }

    /// <summary>Longest product name kept.</summary>
    public const int MaxProductLength = 64;

    /// <summary>
    /// "Product/1.2.3 (comment)" → ("Product", "1.2.3"); without a slash, the words before the first version-like
    /// word or "(": "Asterisk PBX 18.10.0" → ("Asterisk PBX", "18.10.0"), "Sip EXpress router (0.9.6 (i386/linux))"
    /// → ("Sip EXpress router", "0.9.6").
    /// </summary>
    public static bool TryProduct(ReadOnlySpan<byte> value, out string? name, out string? version)
    {
        name = null;
        version = null;
        var text = TextLine.Trim(value);
        var token = TextLine.Word(text, out _);
        if (token.IsEmpty)
        {
            return false;
        }

        int slash = token.IndexOf((byte)'/');
        if (slash >= 0)
        {
            if (slash == 0)
            {
                return false;
            }

            name = WireText.Decode(token[..slash], MaxProductLength);
            if (slash + 1 < token.Length)
            {
                version = WireText.Decode(token[(slash + 1)..], BannerProduct.MaxVersionLength);
            }

            return true;
        }

        // Words up to a "(", a "version" word, or a word starting with a digit (or "v" + digit).
        int end = 0;
        int pos = 0;
        while (pos < text.Length)
        {
            var word = TextLine.Word(text[pos..], out var after);
            bool stop = word.IsEmpty || word[0] == '(' || TextLine.IsDigit(word[0]) || TextLine.EqualsIgnoreCase(word, "version"u8) ||
                (word.Length > 1 && (word[0] | 0x20) == 'v' && TextLine.IsDigit(word[1]));
            if (stop)
            {
                break;
            }

            end = pos + word.Length;
            if (after.IsEmpty && text[pos..].IndexOf((byte)' ') < 0)
            {
                break;
            }

            pos += word.Length + 1;
        }

        if (end == 0)
        {
            return false;
        }

        name = WireText.Decode(TextLine.Trim(text[..end]), MaxProductLength);
        version = BannerProduct.VersionAfter(text[end..]);
        return true;
    }
}
