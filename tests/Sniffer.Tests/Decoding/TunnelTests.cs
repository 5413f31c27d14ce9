using System.Buffers.Binary;
using Sniffer.Decoding;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Decoding;

/// <summary>Traffic-mirroring encapsulations: the watched-port rule applies to the innermost transport.</summary>
public class TunnelTests
{
    private static byte[] InnerFrame(uint seq, byte flags, ReadOnlySpan<byte> payload, bool toServer = true) => toServer
        ? FrameBuilder.TcpFrame("172.16.0.5", 50123, "172.16.0.9", 3624, seq, 0, flags, payload)
        : FrameBuilder.TcpFrame("172.16.0.9", 3624, "172.16.0.5", 50123, seq, 0, flags, payload);

    private static byte[] Vxlan(byte[] inner, uint vni) =>
        FrameBuilder.UdpFrame("10.0.0.1", 40000, "10.0.0.2", 4789, [0x08, 0, 0, 0, (byte)(vni >> 16), (byte)(vni >> 8), (byte)vni, 0, .. inner]);

    private static byte[] Geneve(byte[] inner, uint vni) =>
        FrameBuilder.UdpFrame("10.0.0.1", 40000, "10.0.0.2", 6081, [0x01, 0, 0x65, 0x58, (byte)(vni >> 16), (byte)(vni >> 8), (byte)vni, 0, /* 4-byte option */ 0, 0, 0, 0, .. inner]);

    private static byte[] Gre(ushort flags, ushort protocol, byte[] extra, byte[] inner)
    {
        var h = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(h, flags);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), protocol);
        return FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 47, [.. h, .. extra, .. inner]));
    }

    public static TheoryData<string, Func<byte[], byte[]>, string, long> Encapsulations() => new()
    {
        { "vxlan", f => Vxlan(f, 4242), "vxlan", 4242 },
        { "geneve", f => Geneve(f, 77), "geneve", 77 },
        { "gre-key", f => Gre(0x2000, 0x6558, [0, 0, 0, 9], f), "gre", 9 },
        { "gre-ip", f => Gre(0x0000, 0x0800, [], f[14..]), "gre", 0 },
        { "erspan1", f => Gre(0x0000, 0x88BE, [], f), "erspan1", 0 },
        { "erspan2", f => Gre(0x1000, 0x88BE, [0, 0, 0, 1, /* erspan */ 0x10, 0, 0x00, 0x2A, 0, 0, 0, 0], f), "erspan2", 42 },
        { "erspan3", f => Gre(0x1000, 0x22EB, [0, 0, 0, 1, /* erspan3 */ 0x20, 0, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0], f), "erspan3", 7 },
        { "ipip", f => FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 4, f[14..])), "ipip", 0 },
    };

    [Theory]
    [MemberData(nameof(Encapsulations))]
    public void InnerPortIsWatchedWithDefaults(string name, Func<byte[], byte[]> wrap, string type, long id)
    {
        var frames = new List<CapturedFrame>
        {
            new(1_000_000_000, wrap(InnerFrame(100, FrameBuilder.Syn, default))),
            new(1_001_000_000, wrap(InnerFrame(500, FrameBuilder.Syn | FrameBuilder.Ack, default, toServer: false))),
            new(1_002_000_000, wrap(InnerFrame(101, FrameBuilder.Psh | FrameBuilder.Ack, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8))),
        };
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames), new SnifferOptions());
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("172.16.0.5", end.Str("source.ip"));
        Assert.Equal("3624", end.Str("destination.port"));
        Assert.Equal(type, end.Str("sniffer.tunnel.type"));
        Assert.Equal(id == 0 ? null : id.ToString(System.Globalization.CultureInfo.InvariantCulture), end.Str("sniffer.tunnel.id"));
        Assert.Equal("3", end.Str("network.packets"));
        _ = name;
    }

    [Theory]
    [MemberData(nameof(Encapsulations))]
    public void EveryTruncatedPrefixIsHandled(string name, Func<byte[], byte[]> wrap, string type, long id)
    {
        var frame = wrap(InnerFrame(100, FrameBuilder.Syn, "payload"u8));
        var anomalies = new AnomalyCounters();
        for (int len = 0; len <= frame.Length; len++)
        {
            var p = default(DecodedPacket);
            var status = PacketDecoder.Decode(LinkType.Ethernet, frame.AsSpan(0, len), ref p, anomalies);
            if (status == DecodeStatus.Ok)
            {
                Assert.True(p.PayloadOffset + p.PayloadLength <= len, $"{name} {len}");
            }
        }

        var full = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkType.Ethernet, frame, ref full, anomalies));
        Assert.Equal(3624, full.DestinationPort);
        Assert.Equal(type, TunnelNames.Name(full.Tunnel));
        Assert.Equal(id, full.TunnelId);
    }
}
