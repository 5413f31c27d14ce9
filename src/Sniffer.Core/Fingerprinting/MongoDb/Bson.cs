using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.MongoDb;

/// <summary>Bounded, allocation-free reading of BSON documents (bsonspec.org): element lookup and shape checks.</summary>
internal static class Bson
{
    /// <summary>Most elements walked in one document.</summary>
    public const int MaxElements = 256;
    /// <summary>Longest element name accepted.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Checks the header of a document and its first element (type + printable key). Needs ≥ 4 bytes.</summary>
    public static ProbeStatus CheckStart(ReadOnlySpan<byte> data, int available, out int length)
    {
        length = 0;
        if (data.Length < 4)
        {
            return ProbeStatus.NeedMoreData;
        }

        length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 5 || length > available)
        {
            return ProbeStatus.NoMatch;
        }

        if (length == 5)
        {
            return data.Length < 5 ? ProbeStatus.NeedMoreData : data[4] == 0 ? ProbeStatus.Match : ProbeStatus.NoMatch;
        }

        if (data.Length < 5)
        {
            return ProbeStatus.NeedMoreData;
        }

        if (!IsType(data[4]))
        {
            return ProbeStatus.NoMatch;
        }

        var key = data[5..Math.Min(data.Length, length)];
        for (int i = 0; i < key.Length; i++)
        {
            if (key[i] == 0)
            {
                return i > 0 ? ProbeStatus.Match : ProbeStatus.NoMatch;
            }

            if (key[i] is < 0x20 or > 0x7E || i >= MaxKeyLength)
            {
                return ProbeStatus.NoMatch;
            }
        }

        return data.Length >= length ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
    }

    public static bool IsType(byte type) => type is (>= 0x01 and <= 0x13) or 0x7F or 0xFF;

    /// <summary>The first element's name of a complete document.</summary>
    public static ReadOnlySpan<byte> FirstKey(ReadOnlySpan<byte> doc)
    {
        if (doc.Length < 6)
        {
            return default;
        }

        int nul = doc[5..].IndexOf((byte)0);
        return nul <= 0 ? default : doc.Slice(5, nul);
    }

    /// <summary>Finds an element by name in a complete document; value is the element's bytes.</summary>
    public static bool TryFind(ReadOnlySpan<byte> doc, ReadOnlySpan<byte> name, out byte type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (doc.Length < 5)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(doc);
        if (length < 5 || length > doc.Length)
        {
            return false;
        }

        var rest = doc[4..(length - 1)];
        for (int i = 0; i < MaxElements && rest.Length > 1; i++)
        {
            byte t = rest[0];
            int nul = rest[1..].IndexOf((byte)0);
            if (nul < 0)
            {
                return false;
            }

            var key = rest.Slice(1, nul);
            rest = rest[(nul + 2)..];
            int size = ValueSize(t, rest);
            if (size < 0 || size > rest.Length)
            {
                return false;
            }

            if (key.SequenceEqual(name))
            {
                type = t;
                value = rest[..size];
                return true;
            }

            rest = rest[size..];
        }

        return false;
    }

    /// <summary>A string element's text (type 2: int32 length incl. NUL, bytes, NUL).</summary>
    public static ReadOnlySpan<byte> StringValue(byte type, ReadOnlySpan<byte> value) =>
        type == 2 && value.Length >= 5 ? value[4..^1] : default;

    private static int ValueSize(byte type, ReadOnlySpan<byte> v)
    {
        switch (type)
        {
            case 0x01 or 0x09 or 0x11 or 0x12:
                return 8;
            case 0x10:
                return 4;
            case 0x08:
                return 1;
            case 0x06 or 0x0A or 0x7F or 0xFF:
                return 0;
            case 0x07:
                return 12;
            case 0x13:
                return 16;
            case 0x02 or 0x0D or 0x0E:
                return v.Length < 4 ? -1 : Checked(4L + BinaryPrimitives.ReadInt32LittleEndian(v));
            case 0x03 or 0x04 or 0x0F:
                return v.Length < 4 ? -1 : Checked(BinaryPrimitives.ReadInt32LittleEndian(v));
            case 0x05:
                return v.Length < 4 ? -1 : Checked(5L + BinaryPrimitives.ReadInt32LittleEndian(v));
            case 0x0B:
                int a = v.IndexOf((byte)0);
                if (a < 0)
                {
                    return -1;
                }

                int b = v[(a + 1)..].IndexOf((byte)0);
                return b < 0 ? -1 : a + b + 2;
            case 0x0C:
                return v.Length < 4 ? -1 : Checked(16L + BinaryPrimitives.ReadInt32LittleEndian(v));
            default:
                return -1;
        }
    }

    private static int Checked(long size) => size is < 0 or > int.MaxValue ? -1 : (int)size;
}
