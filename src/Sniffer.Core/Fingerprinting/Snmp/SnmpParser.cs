namespace Sniffer.Fingerprinting.Snmp;

/// <summary>What the start of an SNMP message (RFC 1157, RFC 3416, RFC 3412) reveals.</summary>
internal ref struct SnmpMessage
{
    /// <summary>0 = v1, 1 = v2c, 3 = v3.</summary>
    public int Version;
    public ReadOnlySpan<byte> Community;
    /// <summary>PDU tag 0xA0..0xA8, or 0 when not visible (encrypted v3 scoped PDU).</summary>
    public byte PduTag;
    /// <summary>The outer SEQUENCE ends exactly at the end of the bytes given.</summary>
    public bool ExactLength;
    /// <summary>v3 msgFlags: auth (1), priv (2), reportable (4).</summary>
    public byte V3Flags;
    /// <summary>v3 User-based Security Model parameters (RFC 3414 §2.4) were found and are well formed.</summary>
    public bool HasUsm;
    /// <summary>USM msgAuthoritativeEngineID (empty in a discovery request).</summary>
    public ReadOnlySpan<byte> EngineId;
    /// <summary>USM msgUserName (empty in a discovery request).</summary>
    public ReadOnlySpan<byte> UserName;
}

/// <summary>Allocation-free SNMP message validation.</summary>
internal static class SnmpParser
{
    /// <summary>Longest community string accepted as plausible (RFC 3584 limits it to 255 octets).</summary>
    public const int MaxCommunityLength = 255;
    /// <summary>Smallest msgMaxSize a v3 engine may announce (RFC 3412).</summary>
    public const int MinV3MaxSize = 484;
    /// <summary>msgSecurityModel of the User-based Security Model (RFC 3411).</summary>
    public const int UsmSecurityModel = 3;
    /// <summary>Longest msgAuthoritativeEngineID (RFC 3411 SnmpEngineID: 5..32 octets).</summary>
    public const int MaxEngineIdLength = 32;
    /// <summary>Longest msgUserName (RFC 3414: SIZE(0..32)).</summary>
    public const int MaxUserNameLength = 32;

    /// <summary>
    /// Validates an SNMP message at the start of <paramref name="data"/>. Returns Ok with the fields once the
    /// version, the community (v1/v2c) or header data (v3), and the PDU tag are seen.
    /// </summary>
    public static BerStatus Parse(ReadOnlySpan<byte> data, out SnmpMessage message)
    {
        message = default;
        int offset = 0;
        var status = Ber.ReadHeader(data, ref offset, out byte tag, out int outerLength);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (tag != Ber.Sequence || outerLength < 10)
        {
            return BerStatus.Invalid;
        }

        int end = offset + outerLength;
        message.ExactLength = end == data.Length;
        if (end < data.Length)
        {
            // Bytes after the message: not an SNMP datagram (a TCP stream may carry several, only the first is probed).
            data = data[..end];
        }

        status = Ber.Expect(data, ref offset, Ber.Integer, out int versionLength, out var version);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (versionLength != 1 || version[0] is not (0 or 1 or 3))
        {
            return BerStatus.Invalid;
        }

        offset += versionLength;
        message.Version = version[0];
        if (message.Version == 3)
        {
            return ParseV3Header(data, offset, ref message);
        }

        status = Ber.Expect(data, ref offset, Ber.OctetString, out int communityLength, out var community);
        if (status == BerStatus.Invalid || communityLength > MaxCommunityLength)
        {
            return BerStatus.Invalid;
        }

        if (status != BerStatus.Ok)
        {
            return status;
        }

        message.Community = community;
        offset += communityLength;
        return ParsePdu(data, offset, end, ref message);
    }

    private static BerStatus ParsePdu(ReadOnlySpan<byte> data, int offset, int end, ref SnmpMessage message)
    {
        var status = Ber.ReadHeader(data, ref offset, out byte pdu, out int pduLength);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        // get(0) next(1) response(2) set(3) v1-trap(4) bulk(5) inform(6) v2-trap(7) report(8); v1 has no 5..8.
        if (pdu is < 0xA0 or > 0xA8 || (message.Version == 0 && pdu > 0xA4) || (message.Version == 1 && pdu == 0xA4)
            || offset + pduLength > end)
        {
            return BerStatus.Invalid;
        }

        message.PduTag = pdu;
        if (pdu == 0xA4)
        {
            // v1 Trap-PDU starts with the enterprise OBJECT IDENTIFIER.
            status = Ber.ReadHeader(data, ref offset, out byte oid, out _);
            return status == BerStatus.Ok && oid != 0x06 ? BerStatus.Invalid : status;
        }

        // Every other PDU starts with request-id INTEGER (1..4 octets, maybe 5 for a zero-padded unsigned).
        status = Ber.ReadHeader(data, ref offset, out byte id, out int idLength);
        if (status == BerStatus.Ok && (id != Ber.Integer || idLength is < 1 or > 5))
        {
            return BerStatus.Invalid;
        }

        return status;
    }

    private static BerStatus ParseV3Header(ReadOnlySpan<byte> data, int offset, ref SnmpMessage message)
    {
        // HeaderData ::= SEQUENCE { msgID INTEGER, msgMaxSize INTEGER, msgFlags OCTET STRING (SIZE(1)), msgSecurityModel INTEGER }
        var status = Ber.ReadHeader(data, ref offset, out byte tag, out int headerLength);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (tag != Ber.Sequence || headerLength is < 11 or > 30)
        {
            return BerStatus.Invalid;
        }

        int headerEnd = offset + headerLength;
        status = Ber.Expect(data, ref offset, Ber.Integer, out int idLength, out _);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        offset += idLength;
        status = Ber.Expect(data, ref offset, Ber.Integer, out int sizeLength, out var size);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (Ber.SmallInteger(size) < MinV3MaxSize)
        {
            return BerStatus.Invalid;
        }

        offset += sizeLength;
        status = Ber.Expect(data, ref offset, Ber.OctetString, out int flagsLength, out var flags);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        // Flags: auth(1) priv(2) reportable(4); privacy without authentication is invalid.
        if (flagsLength != 1 || (flags[0] & 0xF8) != 0 || (flags[0] & 0x03) == 0x02)
        {
            return BerStatus.Invalid;
        }

        offset += 1;
        status = Ber.Expect(data, ref offset, Ber.Integer, out int modelLength, out var model);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        long securityModel = Ber.SmallInteger(model);
        if (securityModel is < 1 or > 3 || offset + modelLength != headerEnd)
        {
            return BerStatus.Invalid;
        }

        message.V3Flags = flags[0];
        offset = headerEnd;
        // msgSecurityParameters OCTET STRING, then the (maybe encrypted) scoped PDU.
        status = Ber.Expect(data, ref offset, Ber.OctetString, out int securityLength, out var security);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (securityModel == UsmSecurityModel)
        {
            ParseUsm(security, ref message);
        }

        offset += securityLength;
        if ((flags[0] & 0x02) != 0)
        {
            return BerStatus.Ok;
        }

        // Plaintext ScopedPDU ::= SEQUENCE { contextEngineID OCTET STRING, contextName OCTET STRING, data PDU }
        var inner = Ber.ReadHeader(data, ref offset, out byte scoped, out int scopedLength);
        if (inner != BerStatus.Ok || scoped != Ber.Sequence)
        {
            return inner == BerStatus.Invalid || (inner == BerStatus.Ok && scoped != Ber.Sequence) ? BerStatus.Invalid : BerStatus.Ok;
        }

        int scopedEnd = offset + scopedLength;
        for (int i = 0; i < 2; i++)
        {
            inner = Ber.Expect(data, ref offset, Ber.OctetString, out int length, out _);
            if (inner != BerStatus.Ok)
            {
                return inner == BerStatus.Invalid ? BerStatus.Invalid : BerStatus.Ok;
            }

            offset += length;
        }

        var pdu = ParsePdu(data, offset, scopedEnd, ref message);
        return pdu == BerStatus.Invalid ? BerStatus.Invalid : BerStatus.Ok;
    }

    /// <summary>
    /// UsmSecurityParameters ::= SEQUENCE { msgAuthoritativeEngineID OCTET STRING, msgAuthoritativeEngineBoots
    /// INTEGER, msgAuthoritativeEngineTime INTEGER, msgUserName OCTET STRING (SIZE(0..32)),
    /// msgAuthenticationParameters OCTET STRING, msgPrivacyParameters OCTET STRING } (RFC 3414 §2.4). Only the
    /// engine id and the user name are kept; anything malformed leaves <see cref="SnmpMessage.HasUsm"/> false
    /// without changing the verdict on the message itself.
    /// </summary>
    private static void ParseUsm(ReadOnlySpan<byte> security, ref SnmpMessage message)
    {
        int offset = 0;
        if (Ber.ReadHeader(security, ref offset, out byte tag, out int length) != BerStatus.Ok || tag != Ber.Sequence
            || offset + length != security.Length)
        {
            return;
        }

        if (Ber.Expect(security, ref offset, Ber.OctetString, out int engineLength, out var engineId) != BerStatus.Ok
            || engineLength > MaxEngineIdLength)
        {
            return;
        }

        offset += engineLength;
        for (int i = 0; i < 2; i++)
        {
            // msgAuthoritativeEngineBoots, msgAuthoritativeEngineTime: INTEGER (0..2147483647).
            if (Ber.Expect(security, ref offset, Ber.Integer, out int integerLength, out _) != BerStatus.Ok || integerLength is < 1 or > 5)
            {
                return;
            }

            offset += integerLength;
        }

        if (Ber.Expect(security, ref offset, Ber.OctetString, out int userLength, out var userName) != BerStatus.Ok
            || userLength > MaxUserNameLength)
        {
            return;
        }

        message.EngineId = engineId;
        message.UserName = userName;
        message.HasUsm = true;
    }

    /// <summary>RFC 3411 securityLevel of v3 msgFlags.</summary>
    public static string SecurityLevelName(byte flags) => (flags & 0x03) switch
    {
        0 => "noAuthNoPriv",
        1 => "authNoPriv",
        _ => "authPriv",
    };

    public static string PduTypeName(byte tag) => tag switch
    {
        0xA0 => "get_request",
        0xA1 => "get_next_request",
        0xA2 => "response",
        0xA3 => "set_request",
        0xA4 => "trap",
        0xA5 => "get_bulk_request",
        0xA6 => "inform_request",
        0xA7 => "snmpv2_trap",
        0xA8 => "report",
        _ => "unknown",
    };

    public static string VersionName(int version) => version switch
    {
        0 => "1",
        1 => "2c",
        _ => "3",
    };
}
