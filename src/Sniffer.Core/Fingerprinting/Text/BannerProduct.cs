namespace Sniffer.Fingerprinting.Text;

/// <summary>One product a banner can name: the lowercase token to look for and the name to report.</summary>
public readonly record struct ProductToken(byte[] Token, string Name);

/// <summary>
/// Finds a product name and version in a greeting/banner line ("ESMTP Exim 4.96", "(vsFTPd 3.0.3)",
/// "Cyrus IMAP v2.4.17", "Microsoft ESMTP MAIL Service, Version: 10.0.17763.1"). Allocates only the two result
/// strings, and only on a hit.
/// </summary>
public static class BannerProduct
{
    /// <summary>Longest version string kept.</summary>
    public const int MaxVersionLength = 32;

    /// <summary>How far after the product token a version may start (skipping " ", "/", "v", "version", ":").</summary>
    public const int MaxVersionGap = 12;

    /// <summary>Whether the banner names any product of the table (no allocation: for probes).</summary>
    public static bool NamesAny(ReadOnlySpan<byte> banner, ReadOnlySpan<ProductToken> table)
    {
        foreach (var product in table)
        {
            if (TextLine.IndexOfIgnoreCase(banner, product.Token) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    public static bool TryFind(ReadOnlySpan<byte> banner, ReadOnlySpan<ProductToken> table, out string? name, out string? version)
    {
        foreach (var product in table)
        {
            int at = TextLine.IndexOfIgnoreCase(banner, product.Token);
            if (at < 0)
            {
                continue;
            }

            name = product.Name;
            version = VersionAfter(banner[(at + product.Token.Length)..]);
            return true;
        }

        name = null;
        version = null;
        return false;
    }

    /// <summary>A version ("4.96", "3.0.3", "10.0.17763.1", "1.3.5rc4") shortly after a product token, or null.</summary>
    public static string? VersionAfter(ReadOnlySpan<byte> s)
    {
        int i = 0;
        int limit = Math.Min(s.Length, MaxVersionGap);
        while (i < limit && !TextLine.IsDigit(s[i]))
        {
            byte b = s[i];
            bool skippable = b is (byte)' ' or (byte)'/' or (byte)':' or (byte)',' or (byte)'-' or (byte)'_' or (byte)'(' ||
                TextLine.StartsWithIgnoreCase(s[i..], "version"u8) || TextLine.ToLower(b) == 'v';
            if (!skippable)
            {
                return null;
            }

            i += TextLine.StartsWithIgnoreCase(s[i..], "version"u8) ? 7 : 1;
        }

        if (i >= s.Length || !TextLine.IsDigit(s[i]))
        {
            return null;
        }

        int start = i;
        while (i < s.Length && i - start < MaxVersionLength && (TextLine.IsAlnum(s[i]) || s[i] is (byte)'.' or (byte)'-' or (byte)'_' or (byte)'+'))
        {
            i++;
        }

        var v = s[start..i];
        while (v.Length > 0 && v[^1] is (byte)'.' or (byte)'-' or (byte)'_' or (byte)'+')
        {
            v = v[..^1];
        }

        return WireText.Decode(v, MaxVersionLength);
    }
}
