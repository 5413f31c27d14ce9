using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.BitTorrent;

/// <summary>
/// BitTorrent. TCP: the peer-wire handshake (BEP 3: 0x13 "BitTorrent protocol", 8 reserved bytes, 20-byte
/// info hash, 20-byte peer id) from either side. UDP: a DHT KRPC message (BEP 5: a complete, valid bencoded
/// dictionary with "y" = q/r/e), a uTP packet (BEP 29: version 1, type 0..4, known extension chain; a SYN answered
/// by a STATE must acknowledge its sequence number; DATA only when it carries the peer-wire handshake), or a Local Service Discovery announce (BEP 14:
/// "BT-SEARCH * HTTP/1.1").
/// </summary>
public sealed class BitTorrentFingerprinter : IFingerprinter
{
    public static readonly BitTorrentFingerprinter Instance = new();

    public const int HandshakeLength = 68;
    public const int UtpHeaderLength = 20;
    /// <summary>Most uTP extensions walked.</summary>
    public const int MaxUtpExtensions = 8;

    internal static ReadOnlySpan<byte> Magic => "\u0013BitTorrent protocol"u8;
    internal static ReadOnlySpan<byte> LsdStart => "BT-SEARCH * HTTP/1.1\r\n"u8;

    public string Name => "bittorrent";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): TCP: the handshake's 0x13 "BitTorrent protocol"; UDP: a DHT dictionary
    /// 'd', an LSD "BT-SEARCH" or a uTP header (version 1, type 0–4).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp = FirstBytes.Both(ByteSet.Of(0x13));
    private static readonly FirstBytes AcceptedFirstUdp =
        FirstBytes.Both(ByteSet.Of((byte)'d', (byte)'B', 0x01, 0x11, 0x21, 0x31, 0x41));

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport == Transport.Tcp)
        {
            var c = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeHandshake(context.Client);
            var s = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeHandshake(context.Server);
            return ProbeCombiner.Combine(context, c, s);
        }

        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeDatagram(context.Client);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeDatagram(context.Server);
        if (client.Evidence == "bittorrent.utp" && server.Evidence == "bittorrent.utp"
            && context.Client[0] == 0x41 && context.Server[0] == 0x21
            && !context.Server.Slice(18, 2).SequenceEqual(context.Client.Slice(16, 2)))
        {
            // A STATE answering a SYN acknowledges the SYN's sequence number.
            return ProbeResult.NoMatch;
        }

        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeHandshake(ReadOnlySpan<byte> d)
    {
        int n = Math.Min(d.Length, Magic.Length);
        if (!d[..n].SequenceEqual(Magic[..n]))
        {
            return ProbeResult.NoMatch;
        }

        if (d.Length < Magic.Length)
        {
            return ProbeResult.NeedMore;
        }

        return d.Length >= HandshakeLength
            ? ProbeResult.Matched(Confidence.High, "bittorrent.handshake")
            : ProbeResult.Matched(Confidence.Medium, "bittorrent.handshake");
    }

    internal static ProbeResult ProbeDatagram(ReadOnlySpan<byte> d)
    {
        if (d[0] == (byte)'d')
        {
            // DHT: the whole datagram is one dictionary with a "y" of q, r or e.
            if (Bencode.Measure(d) != d.Length || !Bencode.TryFind(d, "y"u8, out var y))
            {
                return ProbeResult.NoMatch;
            }

            var kind = Bencode.StringValue(y);
            return kind.Length == 1 && kind[0] is (byte)'q' or (byte)'r' or (byte)'e'
                ? ProbeResult.Matched(Confidence.High, "bittorrent.dht")
                : ProbeResult.NoMatch;
        }

        if (d[0] == (byte)'B')
        {
            int n = Math.Min(d.Length, LsdStart.Length);
            return d[..n].SequenceEqual(LsdStart[..n]) && d.Length > n && d.IndexOf("\r\nInfohash: "u8) > 0
                ? ProbeResult.Matched(Confidence.Medium, "bittorrent.lsd")
                : ProbeResult.NoMatch;
        }

        return ProbeUtp(d);
    }

    private static ProbeResult ProbeUtp(ReadOnlySpan<byte> d)
    {
        // type (high nibble) 0 DATA, 1 FIN, 2 STATE, 3 RESET, 4 SYN; version (low nibble) 1.
        if ((d[0] & 0x0F) != 1 || (d[0] >> 4) > 4 || d.Length < UtpHeaderLength)
        {
            return ProbeResult.NoMatch;
        }

        int type = d[0] >> 4;
        // SYN carries no timestamp difference yet; STATE/SYN/RESET/FIN carry no data.
        if (type == 4 && BinaryPrimitives.ReadUInt32BigEndian(d[8..]) != 0)
        {
            return ProbeResult.NoMatch;
        }

        int extension = d[1];
        int pos = UtpHeaderLength;
        for (int i = 0; extension != 0; i++)
        {
            if (i >= MaxUtpExtensions || extension > 4 || pos + 2 > d.Length)
            {
                return ProbeResult.NoMatch;
            }

            extension = d[pos];
            int length = d[pos + 1];
            pos += 2 + length;
            if (pos > d.Length)
            {
                return ProbeResult.NoMatch;
            }
        }

        // A flow's first datagram is a SYN or STATE (no payload), or DATA opening the peer-wire handshake;
        // FIN, RESET and other DATA are too weak a shape on their own.
        bool ok = type switch
        {
            2 or 4 => pos == d.Length,
            0 => d[pos..].StartsWith(Magic),
            _ => false,
        };
        return ok ? ProbeResult.Matched(type == 0 ? Confidence.Medium : Confidence.Low, "bittorrent.utp") : ProbeResult.NoMatch;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as BitTorrentMetadata ?? new BitTorrentMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server, context.Transport == Transport.Tcp);
    }
}
