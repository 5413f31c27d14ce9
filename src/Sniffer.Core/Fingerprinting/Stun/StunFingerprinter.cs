using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Stun;

/// <summary>
/// STUN (RFC 3489, 5389, 8489) and TURN (RFC 8656, 6062) over UDP and TCP. A message with the magic cookie needs a
/// valid type (two top bits zero, known method), a length that is a multiple of 4 and fits, and a consistent
/// attribute walk; a classic RFC 3489 message (no cookie) additionally needs one of its six types and only known
/// attributes of their fixed sizes. Over TCP messages may follow each other (with TURN ChannelData frames between
/// them) or carry the RFC 4571 two-byte length prefix (Microsoft Teams/Skype).
/// </summary>
public sealed class StunFingerprinter : IFingerprinter
{
    public static readonly StunFingerprinter Instance = new();

    /// <summary>Size of the RFC 4571 framing prefix (a big-endian length) some TCP stacks put before each message.</summary>
    public const int FramingPrefixLength = 2;
    /// <summary>Most messages/frames walked per direction when extracting.</summary>
    public const int MaxMessages = 32;

    public string Name => "stun";

    internal enum Side : byte
    {
        Empty,
        NoMatch,
        NeedMore,
        Classic,
        Modern,
        Framed,
    }

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): UDP: a message type's top two bits are zero on both sides. TCP may frame
    /// it with a 16-bit length: any byte.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp = FirstBytes.Any;
    private static readonly FirstBytes AcceptedFirstUdp = FirstBytes.Both(ByteSet.Range(0x00, 0x3F));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = Classify(context.Client, context.Transport, context.ClientComplete);
        var server = Classify(context.Server, context.Transport, context.ServerComplete);
        if (client == Side.NoMatch || server == Side.NoMatch)
        {
            return ProbeResult.NoMatch;
        }

        bool c = client >= Side.Classic, s = server >= Side.Classic;
        if (c && s)
        {
            return ProbeResult.Matched(Confidence.High, "stun.exchange");
        }

        if (!c && !s)
        {
            return ProbeResult.NeedMore;
        }

        if (Verified(c ? context.Client : context.Server, c ? client : server))
        {
            return ProbeResult.Matched(Confidence.High, "stun.fingerprint");
        }

        return (c ? client : server) switch
        {
            Side.Classic => ProbeResult.Matched(Confidence.Low, "stun.classic"),
            Side.Framed => ProbeResult.Matched(Confidence.Medium, "stun.framed"),
            _ => ProbeResult.Matched(Confidence.Medium, "stun.message"),
        };
    }

    /// <summary>The first message is complete and carries a valid FINGERPRINT (the RFC's own demultiplexing check).</summary>
    private static bool Verified(ReadOnlySpan<byte> d, Side side)
    {
        if (side == Side.Framed)
        {
            d = d[FramingPrefixLength..];
        }
        else if (side != Side.Modern)
        {
            return false;
        }

        return StunParser.Check(d, out int total) == StunShape.Modern && total <= d.Length
            && StunParser.HasValidFingerprint(d[..total]);
    }

    internal static Side Classify(ReadOnlySpan<byte> d, Transport transport, bool complete)
    {
        if (d.IsEmpty)
        {
            return Side.Empty;
        }

        var shape = StunParser.Check(d, out int total);
        if (transport == Transport.Udp)
        {
            // A datagram is one whole message.
            return shape switch
            {
                StunShape.Modern when total == d.Length => Side.Modern,
                StunShape.Classic when total == d.Length => Side.Classic,
                _ => Side.NoMatch,
            };
        }

        switch (shape)
        {
            case StunShape.Modern:
                return Side.Modern;
            case StunShape.Classic:
                return Side.Classic;
            case StunShape.Partial:
                // The stream ends inside the first message: a visible cookie and valid attributes still count.
                return !complete ? Side.NeedMore : HasCookie(d) ? Side.Modern : Side.NoMatch;
        }

        // RFC 4571 framing: a 16-bit length, then exactly one message of that size.
        if (d.Length < FramingPrefixLength)
        {
            return complete ? Side.NoMatch : Side.NeedMore;
        }

        int framed = BinaryPrimitives.ReadUInt16BigEndian(d);
        var inner = d[FramingPrefixLength..];
        var innerShape = StunParser.Check(inner, out int innerTotal);
        if (framed < StunParser.HeaderLength || (inner.Length >= 4 && innerTotal != framed))
        {
            return Side.NoMatch;
        }

        return innerShape switch
        {
            StunShape.Modern => Side.Framed,
            StunShape.Partial when !complete => Side.NeedMore,
            StunShape.Partial when HasCookie(inner) => Side.Framed,
            _ => Side.NoMatch,
        };
    }

    private static bool HasCookie(ReadOnlySpan<byte> d) =>
        d.Length >= StunParser.HeaderLength && BinaryPrimitives.ReadUInt32BigEndian(d[4..]) == StunParser.MagicCookie;

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as StunMetadata ?? new StunMetadata();
        metadata = meta;
        Walk(context.Client, context.Transport, context.ClientComplete, meta);
        Walk(context.Server, context.Transport, context.ServerComplete, meta);
        return context.ClientComplete && context.ServerComplete;
    }

    private static void Walk(ReadOnlySpan<byte> d, Transport transport, bool complete, StunMetadata meta)
    {
        var side = Classify(d, transport, complete);
        if (side < Side.Classic)
        {
            return;
        }

        int offset = 0;
        for (int i = 0; i < MaxMessages && offset < d.Length; i++)
        {
            var rest = d[offset..];
            if (side == Side.Framed)
            {
                if (rest.Length < FramingPrefixLength)
                {
                    return;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(rest);
                rest = rest[FramingPrefixLength..];
                if (length > rest.Length || StunParser.Check(rest[..length], out int t) is not (StunShape.Modern or StunShape.Classic) || t != length)
                {
                    return;
                }

                meta.Absorb(rest[..length]);
                offset += FramingPrefixLength + length;
                continue;
            }

            int channel = StunParser.ChannelDataLength(rest);
            if (channel > 0 && i > 0)
            {
                offset += channel;
                continue;
            }

            if (StunParser.Check(rest, out int total) is not (StunShape.Modern or StunShape.Classic))
            {
                return;
            }

            meta.Absorb(rest[..total]);
            offset += total;
            if (transport == Transport.Udp)
            {
                return;
            }
        }
    }
}
