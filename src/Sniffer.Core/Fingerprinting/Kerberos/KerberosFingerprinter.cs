using System.Buffers.Binary;
using Sniffer.Fingerprinting.Snmp;

namespace Sniffer.Fingerprinting.Kerberos;

/// <summary>
/// Kerberos v5 (RFC 4120) over UDP and TCP (4-byte length prefix, §7.2.2): APPLICATION 10/11/12/13/30
/// (AS-REQ, AS-REP, TGS-REQ, TGS-REP, KRB-ERROR) wrapping a SEQUENCE whose first fields are pvno 5 and a
/// msg-type equal to the application tag.
/// </summary>
public sealed class KerberosFingerprinter : IFingerprinter
{
    public static readonly KerberosFingerprinter Instance = new();

    public const int TcpPrefixLength = 4;
    /// <summary>Largest TCP record accepted (the high bit is reserved and must be zero).</summary>
    public const int MaxRecordLength = 1 << 20;

    public string Name => "kerberos";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): UDP: an APPLICATION tag of AS-REQ/AS-REP/TGS-REQ/TGS-REP/KRB-ERROR on both
    /// sides. TCP starts with a 32-bit length and a short side waits.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp = FirstBytes.Any;
    private static readonly FirstBytes AcceptedFirstUdp = FirstBytes.Both(ByteSet.Of(0x6A, 0x6B, 0x6C, 0x6D, 0x7E));

    public ProbeResult Probe(in InspectionContext context)
    {
        var c = ProbeSide(context.Client, context.Transport, context.ClientComplete, out int cType);
        var s = ProbeSide(context.Server, context.Transport, context.ServerComplete, out int sType);
        if (c == ProbeStatus.NoMatch || s == ProbeStatus.NoMatch)
        {
            return ProbeResult.NoMatch;
        }

        if (c == ProbeStatus.Match && s == ProbeStatus.Match)
        {
            return ProbeResult.Matched(Confidence.High, "kerberos.exchange");
        }

        if (c == ProbeStatus.Match || s == ProbeStatus.Match)
        {
            int type = c == ProbeStatus.Match ? cType : sType;
            return ProbeResult.Matched(Confidence.High, type is 10 or 12 ? "kerberos.request" : type == 30 ? "kerberos.error" : "kerberos.reply");
        }

        return ProbeResult.NeedMore;
    }

    private static ProbeStatus ProbeSide(ReadOnlySpan<byte> bytes, Transport transport, bool complete, out int msgType)
    {
        msgType = 0;
        if (bytes.IsEmpty)
        {
            return ProbeStatus.NeedMoreData;
        }

        if (!TryMessage(bytes, transport, out var message, out int declared))
        {
            return transport == Transport.Udp || complete || bytes.Length >= TcpPrefixLength ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
        }

        var status = Header(message, declared, out msgType);
        return status switch
        {
            BerStatus.Ok => ProbeStatus.Match,
            BerStatus.Truncated when transport == Transport.Tcp && !complete => ProbeStatus.NeedMoreData,
            _ => ProbeStatus.NoMatch,
        };
    }

    internal static bool TryMessage(ReadOnlySpan<byte> bytes, Transport transport, out ReadOnlySpan<byte> message, out int declared)
    {
        if (transport == Transport.Udp)
        {
            message = bytes;
            declared = bytes.Length;
            return true;
        }

        message = default;
        declared = 0;
        if (bytes.Length < TcpPrefixLength)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (length is < 16 or > MaxRecordLength)
        {
            return false;
        }

        declared = (int)length;
        message = bytes[TcpPrefixLength..];
        if (message.Length > declared)
        {
            message = message[..declared];
        }

        return true;
    }

    /// <summary>APPLICATION n { SEQUENCE { [0|1] pvno 5, [1|2] msg-type n ... } } spanning exactly the declared length.</summary>
    internal static BerStatus Header(ReadOnlySpan<byte> m, int declared, out int msgType)
    {
        msgType = 0;
        if (m.IsEmpty)
        {
            return BerStatus.Truncated;
        }

        msgType = m[0] switch
        {
            0x6A => 10,
            0x6B => 11,
            0x6C => 12,
            0x6D => 13,
            0x7E => 30,
            _ => 0,
        };
        if (msgType == 0)
        {
            return BerStatus.Invalid;
        }

        int offset = 0;
        var status = Ber.ReadHeader(m, ref offset, out _, out int length);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (offset + length != declared)
        {
            return BerStatus.Invalid;
        }

        status = Ber.ReadHeader(m, ref offset, out byte seq, out int seqLength);
        if (status != BerStatus.Ok)
        {
            return status;
        }

        if (seq != Ber.Sequence || offset + seqLength != declared)
        {
            return BerStatus.Invalid;
        }

        bool request = msgType is 10 or 12;
        byte pvnoTag = request ? (byte)0xA1 : (byte)0xA0;
        for (int field = 0; field < 2; field++)
        {
            status = Ber.ReadHeader(m, ref offset, out byte tag, out int fieldLength);
            if (status != BerStatus.Ok)
            {
                return status;
            }

            if (tag != pvnoTag + field || fieldLength != 3)
            {
                return BerStatus.Invalid;
            }

            status = Ber.Expect(m, ref offset, Ber.Integer, out int intLength, out var value);
            if (status != BerStatus.Ok)
            {
                return status;
            }

            if (intLength != 1 || value[0] != (field == 0 ? 5 : msgType))
            {
                return BerStatus.Invalid;
            }

            offset += 1;
        }

        return BerStatus.Ok;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as KerberosMetadata ?? new KerberosMetadata();
        metadata = meta;
        if (meta.MsgType == 0 && TryWhole(context.Client, context.Transport, context.ClientComplete, out var request))
        {
            meta.Fill(request);
        }

        if (!meta.SawReply && TryWhole(context.Server, context.Transport, context.ServerComplete, out var reply))
        {
            meta.Fill(reply);
        }

        return meta.SawReply || context.ServerComplete;
    }

    private static bool TryWhole(ReadOnlySpan<byte> bytes, Transport transport, bool complete, out ReadOnlySpan<byte> message)
    {
        if (bytes.IsEmpty || !TryMessage(bytes, transport, out message, out int declared)
            || (message.Length < declared && !complete) || Header(message, declared, out _) != BerStatus.Ok)
        {
            message = default;
            return false;
        }

        return true;
    }
}
