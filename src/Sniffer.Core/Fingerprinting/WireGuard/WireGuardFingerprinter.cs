using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.WireGuard;

/// <summary>
/// WireGuard (wireguard.com/protocol): UDP messages starting with a type byte and three reserved zero bytes —
/// handshake initiation (1, exactly 148 bytes), handshake response (2, 92 bytes, naming the initiator's sender
/// index as its receiver index), cookie reply (3, 64 bytes) and transport data (4, ≥ 32 bytes, 16-byte padded).
/// </summary>
public sealed class WireGuardFingerprinter : IFingerprinter
{
    public static readonly WireGuardFingerprinter Instance = new();

    public const int InitiationLength = 148;
    public const int ResponseLength = 92;
    public const int CookieReplyLength = 64;
    public const int MinTransportLength = 32;

    public string Name => "wireguard";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Message types 1–4 on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(1, 2, 3, 4));

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Client);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Server);
        if (client.Status == ProbeStatus.Match && server.Status == ProbeStatus.Match)
        {
            // An initiation answered by a response must name it; either side may have initiated.
            var c = context.Client;
            var s = context.Server;
            if ((c[0] == 1 && s[0] == 2 && !s.Slice(8, 4).SequenceEqual(c.Slice(4, 4)))
                || (s[0] == 1 && c[0] == 2 && !c.Slice(8, 4).SequenceEqual(s.Slice(4, 4))))
            {
                return ProbeResult.NoMatch;
            }
        }

        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeMessage(ReadOnlySpan<byte> d)
    {
        if (d.Length < 4 || d[1] != 0 || d[2] != 0 || d[3] != 0)
        {
            return ProbeResult.NoMatch;
        }

        return d[0] switch
        {
            1 when d.Length == InitiationLength => ProbeResult.Matched(Confidence.Medium, "wireguard.handshake_initiation"),
            2 when d.Length == ResponseLength => ProbeResult.Matched(Confidence.Medium, "wireguard.handshake_response"),
            3 when d.Length == CookieReplyLength => ProbeResult.Matched(Confidence.Low, "wireguard.cookie_reply"),
            4 when d.Length >= MinTransportLength && (d.Length - 16) % 16 == 0
                && BinaryPrimitives.ReadUInt64LittleEndian(d[8..]) < (1UL << 48) => ProbeResult.Matched(Confidence.Low, "wireguard.transport_data"),
            _ => ProbeResult.NoMatch,
        };
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as WireGuardMetadata ?? new WireGuardMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
