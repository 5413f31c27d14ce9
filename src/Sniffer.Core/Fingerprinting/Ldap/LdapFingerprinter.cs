using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Ldap;

/// <summary>
/// LDAPv3 (RFC 4511 4.1.1) over TCP, and CLDAP over UDP: an LDAPMessage is a BER SEQUENCE (0x30, definite
/// length) holding messageID (INTEGER, 1..4 bytes, non-negative) and a protocolOp with an APPLICATION tag
/// (0x60 bindRequest ... 0x79 intermediateResponse). Bind and search requests are checked further (version
/// 1..3 + OCTET STRING name; OCTET STRING base + ENUMERATED scope 0..2).
/// </summary>
public sealed class LdapFingerprinter : IFingerprinter
{
    public static readonly LdapFingerprinter Instance = new();

    /// <summary>Largest first LDAPMessage accepted (search results can be large, first requests are small).</summary>
    public const int MaxMessageLength = 1024 * 1024;

    public string Name => "ldap";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): An LDAPMessage is a BER SEQUENCE (0x30) on both sides and both transports.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(0x30));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Client, fromServer: false, out _);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Server, fromServer: true, out _);
        return ProbeCombiner.Combine(context, client, server);
    }

    /// <summary>Reads a BER tag+length at <paramref name="pos"/>: 0 need more, -1 invalid, else the header size.</summary>
    internal static int ReadHeader(ReadOnlySpan<byte> data, int pos, out byte tag, out int length)
    {
        tag = 0;
        length = 0;
        if (pos + 2 > data.Length)
        {
            return 0;
        }

        tag = data[pos];
        byte first = data[pos + 1];
        if (first < 0x80)
        {
            length = first;
            return 2;
        }

        int count = first & 0x7F;
        if (count is 0 or > 4)
        {
            return -1; // indefinite lengths are not allowed in LDAP
        }

        if (pos + 2 + count > data.Length)
        {
            return 0;
        }

        long value = 0;
        for (int i = 0; i < count; i++)
        {
            value = (value << 8) | data[pos + 2 + i];
        }

        if (value > MaxMessageLength)
        {
            return -1;
        }

        length = (int)value;
        return 2 + count;
    }

    internal static ProbeResult ProbeMessage(ReadOnlySpan<byte> data, bool fromServer, out byte op)
    {
        op = 0;
        if (data[0] != 0x30)
        {
            return ProbeResult.NoMatch;
        }

        int h = ReadHeader(data, 0, out _, out int seqLength);
        if (h < 0 || (h > 0 && seqLength < 5))
        {
            return ProbeResult.NoMatch;
        }

        if (h == 0)
        {
            return ProbeResult.NeedMore;
        }

        int end = h + seqLength;
        // messageID
        int ih = ReadHeader(data, h, out byte tag, out int idLength);
        if (ih < 0 || (ih > 0 && (tag != 0x02 || idLength is < 1 or > 4 || h + ih + idLength > end)))
        {
            return ProbeResult.NoMatch;
        }

        if (ih == 0 || data.Length < h + ih + 1)
        {
            return ProbeResult.NeedMore;
        }

        if ((data[h + ih] & 0x80) != 0)
        {
            return ProbeResult.NoMatch;
        }

        int opPos = h + ih + idLength;
        int oh = ReadHeader(data, opPos, out op, out int opLength);
        if (oh < 0)
        {
            return ProbeResult.NoMatch;
        }

        if (oh == 0)
        {
            return data.Length > opPos && !OpAllowed(data[opPos], fromServer) ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        if (!OpAllowed(op, fromServer) || opPos + oh + opLength > end)
        {
            return ProbeResult.NoMatch;
        }

        var body = data[(opPos + oh)..Math.Min(data.Length, opPos + oh + opLength)];
        var check = CheckBody(op, body, opLength);
        if (check != ProbeStatus.Match)
        {
            return check == ProbeStatus.NoMatch ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        // Whatever follows the protocolOp inside the SEQUENCE must be controls [0] (0xA0).
        if (opPos + oh + opLength < end && data.Length > opPos + oh + opLength && data[opPos + oh + opLength] != 0xA0)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < end)
        {
            return ProbeResult.NeedMore;
        }

        string evidence = op switch
        {
            0x60 => "ldap.bind_request",
            0x61 => "ldap.bind_response",
            0x63 => "ldap.search_request",
            _ => fromServer ? "ldap.response" : "ldap.request",
        };
        return ProbeResult.Matched(op is 0x60 or 0x63 or 0x61 ? Confidence.High : Confidence.Medium, evidence);
    }

    private static bool OpAllowed(byte op, bool fromServer) => fromServer
        ? op is 0x61 or 0x64 or 0x65 or 0x67 or 0x69 or 0x6B or 0x6D or 0x6F or 0x73 or 0x78 or 0x79
        : op is 0x60 or 0x42 or 0x63 or 0x66 or 0x68 or 0x4A or 0x6C or 0x6E or 0x50 or 0x77;

    private static ProbeStatus CheckBody(byte op, ReadOnlySpan<byte> body, int bodyLength)
    {
        switch (op)
        {
            case 0x60:
                // version INTEGER 1..127, name OCTET STRING, authentication [0] simple / [3] SASL.
                if (body.Length < 3)
                {
                    return bodyLength < 3 ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
                }

                if (body[0] != 0x02 || body[1] != 1 || body[2] is < 1 or > 3)
                {
                    return ProbeStatus.NoMatch;
                }

                if (body.Length < 4)
                {
                    return ProbeStatus.NeedMoreData;
                }

                int nh = ReadHeader(body, 3, out _, out int nameLength);
                if (nh < 0 || body[3] != 0x04 || (nh > 0 && 3 + nh + nameLength + 2 > bodyLength))
                {
                    return ProbeStatus.NoMatch;
                }

                if (nh == 0 || body.Length <= 3 + nh + nameLength)
                {
                    return ProbeStatus.NeedMoreData;
                }

                // authentication: simple [0] (0x80) or SASL [3] (0xA3).
                return body[3 + nh + nameLength] is 0x80 or 0xA3 ? ProbeStatus.Match : ProbeStatus.NoMatch;
            case 0x63:
                // baseObject OCTET STRING, scope ENUMERATED 0..2, derefAliases ENUMERATED 0..3.
                int h = ReadHeader(body, 0, out byte tag, out int baseLength);
                if (h < 0 || (h > 0 && (tag != 0x04 || h + baseLength + 6 > bodyLength)))
                {
                    return ProbeStatus.NoMatch;
                }

                if (h == 0 || body.Length < h + baseLength + 6)
                {
                    return ProbeStatus.NeedMoreData;
                }

                var s = body[(h + baseLength)..];
                return s[0] == 0x0A && s[1] == 1 && s[2] <= 2 && s[3] == 0x0A && s[4] == 1 && s[5] <= 3 ? ProbeStatus.Match : ProbeStatus.NoMatch;
            case 0x61 or 0x65 or 0x67 or 0x69 or 0x6B or 0x6D or 0x6F or 0x78:
                // LDAPResult: resultCode ENUMERATED, matchedDN OCTET STRING, diagnosticMessage OCTET STRING.
                if (body.Length < 3)
                {
                    return bodyLength < 7 ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
                }

                return body[0] == 0x0A && body[1] is >= 1 and <= 2 ? ProbeStatus.Match : ProbeStatus.NoMatch;
            case 0x42:
                return bodyLength == 0 ? ProbeStatus.Match : ProbeStatus.NoMatch;
            case 0x50:
                return bodyLength is >= 1 and <= 4 ? ProbeStatus.Match : ProbeStatus.NoMatch;
            default:
                // Constructed ops start with an OCTET STRING (DN / OID) or a SEQUENCE.
                if (body.IsEmpty)
                {
                    return bodyLength == 0 ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
                }

                return body[0] is 0x04 or 0x30 or 0x80 ? ProbeStatus.Match : ProbeStatus.NoMatch;
        }
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as LdapMetadata ?? new LdapMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
