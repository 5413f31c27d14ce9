namespace Sniffer.Fingerprinting.Snmp;

internal enum BerStatus : byte
{
    Invalid = 0,
    Truncated = 1,
    Ok = 2,
}

/// <summary>
/// Minimal allocation-free BER/DER reader (X.690) for SNMP and Kerberos probing: single-byte tags, definite
/// lengths in short form or long form of at most <see cref="MaxLengthOctets"/> octets. Indefinite lengths are
/// refused (neither SNMP nor Kerberos uses them).
/// </summary>
internal static class Ber
{
    /// <summary>Longest long-form length accepted (4 octets: lengths up to 2^31-1).</summary>
    public const int MaxLengthOctets = 4;

    public const byte Integer = 0x02;
    public const byte OctetString = 0x04;
    public const byte Sequence = 0x30;

    /// <summary>
    /// Reads the tag and length at <paramref name="offset"/>; on success <paramref name="offset"/> moves to the
    /// value's first byte. <see cref="BerStatus.Truncated"/> when the header itself is cut.
    /// </summary>
    public static BerStatus ReadHeader(ReadOnlySpan<byte> data, scoped ref int offset, out byte tag, out int length)
    {
        tag = 0;
        length = 0;
        int p = offset;
        if (p >= data.Length)
        {
            return BerStatus.Truncated;
        }

        tag = data[p++];
        if ((tag & 0x1F) == 0x1F)
        {
            return BerStatus.Invalid;
        }

        if (p >= data.Length)
        {
            return BerStatus.Truncated;
        }

        byte first = data[p++];
        if (first < 0x80)
        {
            length = first;
        }
        else
        {
            int octets = first & 0x7F;
            if (octets == 0 || octets > MaxLengthOctets)
            {
                return BerStatus.Invalid;
            }

            long value = 0;
            for (int i = 0; i < octets; i++)
            {
                if (p >= data.Length)
                {
                    return BerStatus.Truncated;
                }

                value = (value << 8) | data[p++];
            }

            if (value > int.MaxValue)
            {
                return BerStatus.Invalid;
            }

            length = (int)value;
        }

        offset = p;
        return BerStatus.Ok;
    }

    /// <summary>Reads a whole element of the expected tag; <paramref name="value"/> is the value bytes present (maybe cut).</summary>
    public static BerStatus Expect(ReadOnlySpan<byte> data, scoped ref int offset, byte expectedTag, out int length, out ReadOnlySpan<byte> value)
    {
        value = default;
        var status = ReadHeader(data, ref offset, out byte tag, out length);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (tag != expectedTag)
        {
            return BerStatus.Invalid;
        }

        int available = Math.Min(length, data.Length - offset);
        value = data.Slice(offset, available);
        return available < length ? BerStatus.Truncated : BerStatus.Ok;
    }

    /// <summary>A small non-negative INTEGER value (1..4 content octets); -1 when it does not fit or is negative.</summary>
    public static long SmallInteger(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.Length > 4 || (value[0] & 0x80) != 0)
        {
            return -1;
        }

        long v = 0;
        foreach (byte b in value)
        {
            v = (v << 8) | b;
        }

        return v;
    }
}
