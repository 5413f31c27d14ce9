namespace Sniffer.Fingerprinting.BitTorrent;

/// <summary>Bounded bencode (BEP 3) validation and dictionary lookup, without allocation.</summary>
internal static class Bencode
{
    /// <summary>Deepest nesting accepted.</summary>
    public const int MaxDepth = 16;
    /// <summary>Most values walked in one document.</summary>
    public const int MaxItems = 1024;
    /// <summary>Most digits in a length or integer.</summary>
    public const int MaxDigits = 19;

    /// <summary>Length of the bencoded value at the start of <paramref name="data"/>, or -1 (invalid) / 0 (truncated).</summary>
    public static int Measure(ReadOnlySpan<byte> data)
    {
        int items = 0;
        return Value(data, 0, 0, ref items);
    }

    private static int Value(ReadOnlySpan<byte> d, int pos, int depth, ref int items)
    {
        if (pos >= d.Length)
        {
            return 0;
        }

        if (++items > MaxItems || depth > MaxDepth)
        {
            return -1;
        }

        byte b = d[pos];
        if (b is (byte)'d' or (byte)'l')
        {
            int p = pos + 1;
            bool dict = b == (byte)'d';
            while (true)
            {
                if (p >= d.Length)
                {
                    return 0;
                }

                if (d[p] == (byte)'e')
                {
                    return p + 1 - pos;
                }

                if (dict && d[p] is < (byte)'0' or > (byte)'9')
                {
                    return -1; // keys are strings
                }

                int n = Value(d, p, depth + 1, ref items);
                if (n <= 0)
                {
                    return n;
                }

                p += n;
                if (dict)
                {
                    n = Value(d, p, depth + 1, ref items);
                    if (n <= 0)
                    {
                        return n;
                    }

                    p += n;
                }
            }
        }

        if (b == (byte)'i')
        {
            int p = pos + 1;
            if (p < d.Length && d[p] == (byte)'-')
            {
                p++;
            }

            int start = p;
            while (p < d.Length && d[p] is >= (byte)'0' and <= (byte)'9')
            {
                p++;
            }

            if (p >= d.Length)
            {
                return 0;
            }

            return d[p] == (byte)'e' && p > start && p - start <= MaxDigits ? p + 1 - pos : -1;
        }

        if (b is >= (byte)'0' and <= (byte)'9')
        {
            long length = 0;
            int p = pos;
            while (p < d.Length && d[p] is >= (byte)'0' and <= (byte)'9')
            {
                length = length * 10 + (d[p] - '0');
                if (p - pos >= 9)
                {
                    return -1;
                }

                p++;
            }

            if (p >= d.Length)
            {
                return 0;
            }

            if (d[p] != (byte)':')
            {
                return -1;
            }

            long end = p + 1 + length;
            return end > d.Length ? 0 : (int)(end - pos);
        }

        return -1;
    }

    /// <summary>Finds <paramref name="key"/> in the (validated) dictionary <paramref name="dict"/>; value is its bencoded bytes.</summary>
    public static bool TryFind(ReadOnlySpan<byte> dict, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (dict.IsEmpty || dict[0] != (byte)'d')
        {
            return false;
        }

        int p = 1;
        for (int i = 0; i < MaxItems && p < dict.Length && dict[p] != (byte)'e'; i++)
        {
            int k = Measure(dict[p..]);
            if (k <= 0)
            {
                return false;
            }

            var keyBytes = StringValue(dict.Slice(p, k));
            p += k;
            int v = Measure(dict[p..]);
            if (v <= 0)
            {
                return false;
            }

            if (keyBytes.SequenceEqual(key))
            {
                value = dict.Slice(p, v);
                return true;
            }

            p += v;
        }

        return false;
    }

    /// <summary>The bytes of a bencoded string ("4:spam" → "spam"); empty if not a string.</summary>
    public static ReadOnlySpan<byte> StringValue(ReadOnlySpan<byte> encoded)
    {
        int colon = encoded.IndexOf((byte)':');
        return colon <= 0 || encoded[0] is < (byte)'0' or > (byte)'9' ? default : encoded[(colon + 1)..];
    }
}
