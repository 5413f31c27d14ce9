using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.OpenVpn;

/// <summary>
/// OpenVPN control channel start (openvpn/src/openvpn/ssl_pkt.h, nDPI openvpn.c): the first packet of each side
/// is a hard reset — client P_CONTROL_HARD_RESET_CLIENT_V2 (7) / V3 (10, tls-crypt-v2) / V1 (1), server
/// P_CONTROL_HARD_RESET_SERVER_V2 (8) / V1 (2) — as opcode&lt;&lt;3 | key_id, an 8-byte session id, then, in one of
/// three layouts (plain, tls-auth with a 16/20/32/64-byte HMAC, tls-crypt), replay packet id + time, the ACK
/// array and the message packet id. Each layout has an exact length; the server's ACK names the client's
/// session id, which confirms the pair. Over TCP every packet carries a 2-byte length prefix.
/// </summary>
public sealed class OpenVpnFingerprinter : IFingerprinter
{
    public static readonly OpenVpnFingerprinter Instance = new();

    /// <summary>Largest hard-reset packet accepted (tls-crypt-v2 client keys included).</summary>
    public const int MaxPacketLength = 2048;

    internal const int HardResetClientV1 = 1;
    internal const int HardResetServerV1 = 2;
    internal const int HardResetClientV2 = 7;
    internal const int HardResetServerV2 = 8;
    internal const int HardResetClientV3 = 10;

    /// <summary>tls-auth HMAC sizes: MD5, SHA1, SHA256, SHA512.</summary>
    private static ReadOnlySpan<byte> HmacSizes => [16, 20, 32, 64];

    public string Name => "openvpn";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): UDP: a hard-reset opcode with key id 0 (client V1/V2/V3, server V1/V2);
    /// TCP starts with a 16-bit length and a lone byte waits.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp = FirstBytes.Any;
    private static readonly FirstBytes AcceptedFirstUdp =
        new(ByteSet.Of(HardResetClientV1 << 3, HardResetClientV2 << 3, HardResetClientV3 << 3), ByteSet.Of(HardResetServerV1 << 3, HardResetServerV2 << 3));

    public ProbeResult Probe(in InspectionContext context)
    {
        bool tcp = context.Transport == Transport.Tcp;
        var clientPacket = default(ReadOnlySpan<byte>);
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : Frame(context.Client, tcp, out clientPacket);
        if (client.Status == ProbeStatus.Match)
        {
            client = ProbeClientReset(clientPacket, out _);
        }

        var serverPacket = default(ReadOnlySpan<byte>);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : Frame(context.Server, tcp, out serverPacket);
        if (server.Status == ProbeStatus.Match)
        {
            server = ProbeServerReset(serverPacket, client.Status == ProbeStatus.Match ? clientPacket.Slice(1, 8) : default, out _);
        }

        return ProbeCombiner.Combine(context, client, server);
    }

    /// <summary>The first packet: the datagram (UDP) or the length-prefixed record (TCP). Match = packet complete.</summary>
    internal static ProbeResult Frame(ReadOnlySpan<byte> data, bool tcp, out ReadOnlySpan<byte> packet)
    {
        packet = default;
        if (!tcp)
        {
            packet = data;
            return data.Length <= MaxPacketLength ? ProbeResult.Matched(Confidence.Low, "frame") : ProbeResult.NoMatch;
        }

        if (data.Length < 2)
        {
            return ProbeResult.NeedMore;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (length < 14 || length > MaxPacketLength)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 3 && (data[2] >> 3) is not (HardResetClientV1 or HardResetServerV1 or HardResetClientV2 or HardResetServerV2 or HardResetClientV3))
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 2 + length)
        {
            return ProbeResult.NeedMore;
        }

        packet = data.Slice(2, length);
        return ProbeResult.Matched(Confidence.Low, "frame");
    }

    /// <summary>Layout names for metadata.</summary>
    internal enum Layout
    {
        None,
        Plain,
        TlsAuth,
        TlsCrypt,
    }

    private static bool Zero(ReadOnlySpan<byte> b) => b.IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Replay packet id (small, first packets count from 1) and a net time after 2001 (0x3B9ACA00).</summary>
    private static bool ReplayOk(ReadOnlySpan<byte> b) =>
        BinaryPrimitives.ReadUInt32BigEndian(b) is >= 1 and <= 16 && BinaryPrimitives.ReadUInt32BigEndian(b[4..]) >= 0x3B9ACA00;

    internal static ProbeResult ProbeClientReset(ReadOnlySpan<byte> p, out Layout layout)
    {
        layout = Layout.None;
        int opcode = p[0] >> 3;
        if (opcode is not (HardResetClientV1 or HardResetClientV2 or HardResetClientV3) || (p[0] & 7) != 0)
        {
            return ProbeResult.NoMatch;
        }

        if (opcode == HardResetClientV3)
        {
            // tls-crypt-v2: tls-crypt layout (54 bytes) + wrapped client key whose last 2 bytes give its length.
            if (p.Length > 54 + 2 && ReplayOk(p[9..]) && BinaryPrimitives.ReadUInt16BigEndian(p[^2..]) == p.Length - 54)
            {
                layout = Layout.TlsCrypt;
                return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_client");
            }

            return ProbeResult.NoMatch;
        }

        // Plain: ack count 0, message packet id 0.
        if (p.Length == 14 && Zero(p[9..14]))
        {
            layout = Layout.Plain;
            return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_client");
        }

        foreach (byte h in HmacSizes)
        {
            if (p.Length == 22 + h && ReplayOk(p[(9 + h)..]) && Zero(p[(17 + h)..]))
            {
                layout = Layout.TlsAuth;
                return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_client");
            }
        }

        if (p.Length == 54 && ReplayOk(p[9..]))
        {
            layout = Layout.TlsCrypt;
            return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_client");
        }

        return ProbeResult.NoMatch;
    }

    /// <summary>Server hard reset, acknowledging packet 0 of <paramref name="clientSession"/> (when known).</summary>
    internal static ProbeResult ProbeServerReset(ReadOnlySpan<byte> p, ReadOnlySpan<byte> clientSession, out Layout layout)
    {
        layout = Layout.None;
        int opcode = p[0] >> 3;
        if (opcode is not (HardResetServerV1 or HardResetServerV2) || (p[0] & 7) != 0)
        {
            return ProbeResult.NoMatch;
        }

        // ack count 1, acked id 0, remote session id, message packet id 0 (tls-crypt: all encrypted).
        bool AckOk(ReadOnlySpan<byte> a, ReadOnlySpan<byte> session) =>
            a.Length == 17 && a[0] == 1 && Zero(a[1..5]) && Zero(a[13..17]) && (session.IsEmpty || a.Slice(5, 8).SequenceEqual(session));

        if (p.Length == 26 && AckOk(p[9..], clientSession))
        {
            layout = Layout.Plain;
            return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_server");
        }

        foreach (byte h in HmacSizes)
        {
            if (p.Length == 34 + h && ReplayOk(p[(9 + h)..]) && AckOk(p[(17 + h)..], clientSession))
            {
                layout = Layout.TlsAuth;
                return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_server");
            }
        }

        if (p.Length == 66 && ReplayOk(p[9..]))
        {
            layout = Layout.TlsCrypt;
            return ProbeResult.Matched(Confidence.Medium, "openvpn.hard_reset_server");
        }

        return ProbeResult.NoMatch;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as OpenVpnMetadata ?? new OpenVpnMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server, context.Transport == Transport.Tcp);
    }
}
