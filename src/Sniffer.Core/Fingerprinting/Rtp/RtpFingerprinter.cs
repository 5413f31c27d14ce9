using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Rtp;

/// <summary>
/// RTP and RTCP (RFC 3550) over UDP, from the first datagram of each direction (and, for a one-way stream, the
/// head of the second datagram of that direction, which must continue the first), a weak shape: version 2,
/// an assigned static or a dynamic payload type (never 72–76, where RTCP lives), no CSRC list from a single packet
/// (mixers are rare; with both directions a consistent list is accepted), padding and header extension (RFC 8285
/// profiles only) consistent with the length, and a non-empty payload. An RTCP compound packet (SR or RR first,
/// every packet's length walked) counts as RTP evidence too, at Low confidence.
/// </summary>
public sealed class RtpFingerprinter : IFingerprinter
{
    public static readonly RtpFingerprinter Instance = new();

    public const int HeaderLength = 12;
    /// <summary>Largest datagram accepted as RTP/RTCP.</summary>
    public const int MaxLength = 1500;
    /// <summary>RTCP packet types: SR, RR, SDES, BYE, APP (RFC 3550), RTPFB, PSFB (RFC 4585), XR (RFC 3611).</summary>
    public const byte RtcpSenderReport = 200, RtcpReceiverReport = 201, RtcpLastType = 207;
    /// <summary>Most packets walked in an RTCP compound datagram.</summary>
    public const int MaxRtcpPackets = 16;
    /// <summary>SRTCP trailer: E flag + index (4) and an authentication tag (4..16, RFC 3711): what may follow the walk.</summary>
    public const int MinSrtcpTrailer = 4, MaxSrtcpTrailer = 20;

    public string Name => "rtp";

    internal enum Kind : byte
    {
        Empty,
        None,
        Rtp,
        RtpWithCsrc,
        Rtcp,
    }

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): RTP/RTCP version 2 in the top two bits on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Range(0x80, 0xBF));

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var c = Classify(context.Client);
        var s = Classify(context.Server);
        if (c == Kind.None || s == Kind.None)
        {
            return ProbeResult.NoMatch;
        }

        if (c == Kind.Empty && s == Kind.Empty)
        {
            return ProbeResult.NeedMore;
        }

        bool cRtp = c is Kind.Rtp or Kind.RtpWithCsrc, sRtp = s is Kind.Rtp or Kind.RtpWithCsrc;
        if (cRtp && sRtp)
        {
            // Two streams of one session: different sources.
            return Ssrc(context.Client) != Ssrc(context.Server)
                ? ProbeResult.Matched(Confidence.Medium, "rtp.exchange")
                : ProbeResult.NoMatch;
        }

        if (c == Kind.RtpWithCsrc || s == Kind.RtpWithCsrc)
        {
            // A CSRC list alone is too weak; only with a plausible peer.
            return (c == Kind.Empty || s == Kind.Empty) ? ProbeResult.NoMatch : ProbeResult.Matched(Confidence.Low, "rtp.packet");
        }

        if (cRtp && s == Kind.Empty)
        {
            return OneWay(context.Client, context.ClientNext, context.ClientComplete && context.ServerComplete);
        }

        if (sRtp && c == Kind.Empty)
        {
            return OneWay(context.Server, context.ServerNext, context.ClientComplete && context.ServerComplete);
        }

        if (cRtp || sRtp)
        {
            return ProbeResult.Matched(Confidence.Low, "rtp.packet"); // RTP one way, RTCP the other
        }

        return ProbeResult.Matched(Confidence.Low, "rtp.rtcp");
    }

    /// <summary>
    /// One RTP-shaped datagram is a weak shape (about one random datagram in 600 has it): a one-way stream is RTP
    /// only when the same direction's next datagram continues it — the same SSRC and a sequence number a little
    /// ahead (RFC 3550 §5.1). Waits for that datagram; without it, not RTP.
    /// </summary>
    private static ProbeResult OneWay(ReadOnlySpan<byte> first, ReadOnlySpan<byte> next, bool complete)
    {
        if (next.IsEmpty)
        {
            return complete ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        return Continues(first, next) ? ProbeResult.Matched(Confidence.Low, "rtp.sequence") : ProbeResult.NoMatch;
    }

    /// <summary>Most packets a stream's second datagram may be ahead of its first (losses, reordering before capture).</summary>
    public const int MaxSequenceStep = 64;

    /// <summary>True when <paramref name="next"/> (the head of a later datagram) continues the RTP packet <paramref name="first"/>.</summary>
    internal static bool Continues(ReadOnlySpan<byte> first, ReadOnlySpan<byte> next)
    {
        if (next.Length < HeaderLength || (next[0] >> 6) != 2 || next[1] is >= RtcpSenderReport and <= RtcpLastType
            || !IsPayloadType(next[1] & 0x7F) || Ssrc(next) != Ssrc(first))
        {
            return false;
        }

        int step = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(next[2..]) - BinaryPrimitives.ReadUInt16BigEndian(first[2..]));
        return step is >= 1 and <= MaxSequenceStep;
    }

    internal static uint Ssrc(ReadOnlySpan<byte> d) => BinaryPrimitives.ReadUInt32BigEndian(d[8..]);

    internal static Kind Classify(ReadOnlySpan<byte> d)
    {
        if (d.IsEmpty)
        {
            return Kind.Empty;
        }

        if (d.Length < HeaderLength || d.Length > MaxLength || (d[0] >> 6) != 2)
        {
            return Kind.None;
        }

        if (d[1] is >= RtcpSenderReport and <= RtcpLastType)
        {
            return IsRtcp(d) ? Kind.Rtcp : Kind.None;
        }

        int pt = d[1] & 0x7F;
        if (!IsPayloadType(pt))
        {
            return Kind.None;
        }

        int csrc = d[0] & 0x0F;
        int header = HeaderLength + (4 * csrc);
        if (header > d.Length)
        {
            return Kind.None;
        }

        if ((d[0] & 0x10) != 0)
        {
            // RFC 8285 header extensions: one-byte (0xBEDE) or two-byte (0x100X) profile.
            if (d.Length < header + 4)
            {
                return Kind.None;
            }

            ushort profile = BinaryPrimitives.ReadUInt16BigEndian(d[header..]);
            int words = BinaryPrimitives.ReadUInt16BigEndian(d[(header + 2)..]);
            if ((profile != 0xBEDE && (profile & 0xFFF0) != 0x1000) || words == 0)
            {
                return Kind.None;
            }

            header += 4 + (4 * words);
        }

        int padding = (d[0] & 0x20) != 0 ? d[^1] : 0;
        if (((d[0] & 0x20) != 0 && padding == 0) || header + padding >= d.Length)
        {
            return Kind.None;
        }

        return csrc == 0 ? Kind.Rtp : Kind.RtpWithCsrc;
    }

    /// <summary>Assigned static payload types (RFC 3551) and the dynamic range.</summary>
    private static bool IsPayloadType(int pt) =>
        pt is (>= 96 and <= 127) or 0 or (>= 3 and <= 18) or 25 or 26 or 28 or (>= 31 and <= 34);

    private static bool IsRtcp(ReadOnlySpan<byte> d)
    {
        // RFC 3550 6.1: a compound packet starts with SR or RR, whose size covers its report blocks.
        int type = d[1];
        int count = d[0] & 0x1F;
        int words = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        int minWords = type == RtcpSenderReport ? 6 + (6 * count) : type == RtcpReceiverReport ? 1 + (6 * count) : -1;
        if (minWords < 0 || words < minWords || (d[0] & 0x20) != 0)
        {
            return false;
        }

        int offset = 0;
        for (int i = 0; i < MaxRtcpPackets && offset < d.Length; i++)
        {
            var rest = d[offset..];
            if (rest.Length < 4 || (rest[0] >> 6) != 2 || rest[1] is < RtcpSenderReport or > RtcpLastType)
            {
                break;
            }

            int size = (BinaryPrimitives.ReadUInt16BigEndian(rest[2..]) + 1) * 4;
            if (size > rest.Length)
            {
                return false;
            }

            offset += size;
        }

        int trailer = d.Length - offset;
        return offset > 0 && (trailer == 0 || trailer is >= MinSrtcpTrailer and <= MaxSrtcpTrailer);
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as RtpMetadata ?? new RtpMetadata();
        metadata = meta;
        if (meta.Ssrc is null)
        {
            if (Classify(context.Client) is Kind.Rtp or Kind.RtpWithCsrc or Kind.Rtcp)
            {
                meta.Fill(context.Client);
            }
            else if (Classify(context.Server) is Kind.Rtp or Kind.RtpWithCsrc or Kind.Rtcp)
            {
                meta.Fill(context.Server);
            }
        }

        return meta.Ssrc is not null;
    }
}
