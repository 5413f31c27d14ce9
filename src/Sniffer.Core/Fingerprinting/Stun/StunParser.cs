using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Stun;

/// <summary>What the bytes at the start of a buffer are, as a STUN message.</summary>
internal enum StunShape : byte
{
    /// <summary>Not a STUN message.</summary>
    Invalid = 0,
    /// <summary>A consistent prefix of a message: more bytes are needed.</summary>
    Partial = 1,
    /// <summary>RFC 3489 message (no magic cookie), strictly validated.</summary>
    Classic = 2,
    /// <summary>RFC 5389/8489 message with the magic cookie.</summary>
    Modern = 3,
}

/// <summary>Allocation-free STUN (RFC 3489, 5389, 8489) and TURN (RFC 8656) message validation.</summary>
internal static class StunParser
{
    public const int HeaderLength = 20;
    public const uint MagicCookie = 0x2112A442;
    /// <summary>Largest message body accepted (STUN over UDP stays under the path MTU; TCP allows more, but no real message is larger).</summary>
    public const int MaxBodyLength = 8192;
    /// <summary>Most attributes walked in one message.</summary>
    public const int MaxAttributes = 64;
    /// <summary>Highest STUN/TURN method accepted (0x00C ConnectionAttempt, RFC 6062).</summary>
    public const int MaxMethod = 0x00C;
    /// <summary>TURN ChannelData channel numbers (RFC 5766: 0x4000–0x7FFF).</summary>
    public const ushort MinChannel = 0x4000, MaxChannel = 0x7FFF;

    public const ushort AttrMappedAddress = 0x0001, AttrUsername = 0x0006, AttrMessageIntegrity = 0x0008,
        AttrErrorCode = 0x0009, AttrRealm = 0x0014, AttrSoftware = 0x8022, AttrFingerprint = 0x8028;

    public static int Method(ushort type) => (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2);

    public static int Class(ushort type) => ((type >> 4) & 1) | ((type >> 7) & 2);

    private static bool IsClassicType(ushort type) => type is 0x0001 or 0x0101 or 0x0111 or 0x0002 or 0x0102 or 0x0112;

    private static bool IsModernType(ushort type)
    {
        if ((type & 0xC000) != 0)
        {
            return false;
        }

        int method = Method(type);
        return method is >= 1 and <= MaxMethod;
    }

    /// <summary>
    /// Validates the message at the start of <paramref name="d"/>; <paramref name="total"/> is its declared size
    /// (header + body) once the length field is visible. A message cut by the end of the buffer is Partial when
    /// everything visible is consistent.
    /// </summary>
    public static StunShape Check(ReadOnlySpan<byte> d, out int total)
    {
        total = 0;
        if (d.IsEmpty)
        {
            return StunShape.Partial;
        }

        if ((d[0] & 0xC0) != 0)
        {
            return StunShape.Invalid;
        }

        if (d.Length < 4)
        {
            return d.Length < 2 || IsModernType(BinaryPrimitives.ReadUInt16BigEndian(d)) ? StunShape.Partial : StunShape.Invalid;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(d);
        int length = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        if (!IsModernType(type) || length % 4 != 0 || length > MaxBodyLength)
        {
            return StunShape.Invalid;
        }

        total = HeaderLength + length;
        if (d.Length < 8)
        {
            return StunShape.Partial;
        }

        bool modern = BinaryPrimitives.ReadUInt32BigEndian(d[4..]) == MagicCookie;
        if (!modern && (!IsClassicType(type) || length == 0))
        {
            // RFC 3489 had no cookie; without it only its six message types, with at least one attribute.
            return StunShape.Invalid;
        }

        if (d.Length < HeaderLength)
        {
            return StunShape.Partial;
        }

        bool cut = d.Length < total;
        var body = d[HeaderLength..Math.Min(total, d.Length)];
        if (!WalkAttributes(body, cut, modern))
        {
            return StunShape.Invalid;
        }

        return cut ? StunShape.Partial : modern ? StunShape.Modern : StunShape.Classic;
    }

    /// <summary>Walks TLV attributes; every visible one must fit and (classic) be a known type of the right size.</summary>
    private static bool WalkAttributes(ReadOnlySpan<byte> body, bool cut, bool modern)
    {
        int offset = 0;
        for (int i = 0; i < MaxAttributes && offset < body.Length; i++)
        {
            if (body.Length - offset < 4)
            {
                return cut;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(body[(offset + 2)..]);
            int padded = (length + 3) & ~3;
            if (!AttributeLengthOk(type, length, modern))
            {
                return false;
            }

            if (padded > body.Length - offset - 4)
            {
                return cut;
            }

            offset += 4 + padded;
        }

        return true;
    }

    private static bool AttributeLengthOk(ushort type, int length, bool modern)
    {
        switch (type)
        {
            case AttrMessageIntegrity:
                return length == 20;
            case AttrFingerprint:
                return length == 4;
            case AttrErrorCode:
                return length >= 4;
        }

        if (modern)
        {
            return true;
        }

        // RFC 3489 attributes (plus the RFC 5389 ones old stacks already sent), each with its fixed size.
        return type switch
        {
            0x0001 or 0x0002 or 0x0004 or 0x0005 or 0x000B or 0x0020 or 0x8020 => length is 8 or 20,
            0x0003 => length == 4,
            0x0006 or 0x0007 or 0x000A or 0x8022 or 0x0014 or 0x0015 => length > 0,
            0x8023 or 0x8029 or 0x802A or 0x802B or 0x802C => length is 4 or 8 or 20,
            _ => false,
        };
    }

    /// <summary>Finds the value of the first attribute of <paramref name="wanted"/> type in a complete message.</summary>
    public static ReadOnlySpan<byte> FindAttribute(ReadOnlySpan<byte> message, ushort wanted)
    {
        if (message.Length < HeaderLength)
        {
            return default;
        }

        var body = message[HeaderLength..];
        int offset = 0;
        for (int i = 0; i < MaxAttributes && body.Length - offset >= 4; i++)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(body[(offset + 2)..]);
            if (length > body.Length - offset - 4)
            {
                return default;
            }

            if (type == wanted)
            {
                return body.Slice(offset + 4, length);
            }

            offset += 4 + ((length + 3) & ~3);
        }

        return default;
    }

    /// <summary>Size of a TURN ChannelData frame at the start of <paramref name="d"/> (TCP: padded to 4), or 0.</summary>
    public static int ChannelDataLength(ReadOnlySpan<byte> d)
    {
        if (d.Length < 4)
        {
            return 0;
        }

        ushort channel = BinaryPrimitives.ReadUInt16BigEndian(d);
        int length = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        return channel is >= MinChannel and <= MaxChannel ? 4 + ((length + 3) & ~3) : 0;
    }

    /// <summary>RFC 5389 15.5: the FINGERPRINT value is CRC-32 of the message before it, XOR this constant.</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>True when the complete message ends with a FINGERPRINT attribute whose CRC-32 checks out.</summary>
    public static bool HasValidFingerprint(ReadOnlySpan<byte> message)
    {
        const int attribute = 8;
        if (message.Length < HeaderLength + attribute
            || BinaryPrimitives.ReadUInt16BigEndian(message[^attribute..]) != AttrFingerprint
            || BinaryPrimitives.ReadUInt16BigEndian(message[(message.Length - attribute + 2)..]) != 4)
        {
            return false;
        }

        uint expected = BinaryPrimitives.ReadUInt32BigEndian(message[^4..]);
        return (Crc32(message[..^attribute]) ^ FingerprintXor) == expected;
    }

    /// <summary>CRC-32 (ISO-HDLC, reflected 0xEDB88320), bitwise: messages are small and this runs once per flow.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320 & (0u - (crc & 1)));
            }
        }

        return ~crc;
    }
}
