using Sniffer.Decoding;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Decoding;

public class PacketDecoderTests
{
    private static readonly byte[] Payload = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();

    private static byte[] TcpV4() => FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 6, FrameBuilder.Tcp(40000, 3624, 1000, 0, FrameBuilder.Psh | FrameBuilder.Ack, Payload));

    public static TheoryData<string, int, byte[]> Frames()
    {
        var ip4 = TcpV4();
        var ip6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 6, FrameBuilder.Tcp(40000, 3624, 1000, 0, 0x18, Payload));
        var nullFamily = new byte[] { 2, 0, 0, 0 };
        var loopFamily = new byte[] { 0, 0, 0, 2 };
        byte[] mplsLabels = [0x00, 0x01, 0x00, 0x40, /* bottom of stack: */ 0x00, 0x02, 0x01, 0x40];
        byte[] pppoe = [0x11, 0x00, 0x00, 0x01, 0x00, 0x00, /* PPP IPv4 */ 0x00, 0x21];
        // hop-by-hop → routing (type 0, 0 segments) → destination options → TCP
        byte[] chain = [43, 0, 1, 4, 0, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0];
        var ip6chain = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 0, FrameBuilder.Tcp(40000, 3624, 1000, 0, 0x18, Payload), chain);
        var teredo = FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 17, FrameBuilder.Udp(3544, 50000, ip6));
        return new TheoryData<string, int, byte[]>
        {
            { "ethernet", LinkType.Ethernet, FrameBuilder.Ethernet(0x0800, ip4) },
            { "ethernet-ipv6", LinkType.Ethernet, FrameBuilder.Ethernet(0x86DD, ip6) },
            { "vlan", LinkType.Ethernet, FrameBuilder.Ethernet(0x0800, ip4, 100) },
            { "qinq", LinkType.Ethernet, FrameBuilder.Ethernet(0x0800, ip4, 100, 200) },
            { "sll", LinkType.LinuxSll, FrameBuilder.Sll(0x0800, ip4) },
            { "sll2", LinkType.LinuxSll2, FrameBuilder.Sll2(0x86DD, ip6) },
            { "raw", LinkType.Raw, ip4 },
            { "raw6", LinkType.Ipv6, ip6 },
            { "null", LinkType.Null, [.. nullFamily, .. ip4] },
            { "ipip", LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 4, ip4) },
            { "6in4", LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 41, ip6) },
            { "loop", LinkType.Loop, [.. loopFamily, .. ip4] },
            { "ipv4-linktype", LinkType.Ipv4, ip4 },
            { "mpls", LinkType.Ethernet, FrameBuilder.Ethernet(0x8847, [.. mplsLabels, .. ip4]) },
            { "pppoe", LinkType.Ethernet, FrameBuilder.Ethernet(0x8864, [.. pppoe, .. ip4]) },
            { "ipv6-extension-chain", LinkType.Raw, ip6chain },
            { "teredo", LinkType.Raw, teredo },
        };
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void DecodesTcpPortsAndPayload(string name, int linkType, byte[] frame)
    {
        var anomalies = new AnomalyCounters();
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(linkType, frame, ref p, anomalies));
        Assert.Equal(6, p.Protocol);
        Assert.Equal(40000, p.SourcePort);
        Assert.Equal(3624, p.DestinationPort);
        Assert.Equal(1000u, p.Sequence);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, p.TcpFlags);
        Assert.True(frame.AsSpan(p.PayloadOffset, p.PayloadLength).SequenceEqual(Payload), name);
        Assert.Equal(name.Contains("vlan") || name.Contains("qinq") ? (ushort)100 : (ushort)0, p.VlanId);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void EveryTruncatedPrefixIsHandled(string name, int linkType, byte[] frame)
    {
        var anomalies = new AnomalyCounters();
        for (int len = 0; len < frame.Length; len++)
        {
            var p = default(DecodedPacket);
            var status = PacketDecoder.Decode(linkType, frame.AsSpan(0, len), ref p, anomalies);
            // Either an error status, or (cut only in the payload) a packet whose payload lies inside the prefix.
            if (status == DecodeStatus.Ok)
            {
                Assert.True(p.PayloadOffset + p.PayloadLength <= len, $"{name} prefix {len}");
                Assert.True(p.SnapTruncated || p.PayloadLength == Payload.Length, $"{name} prefix {len}");
            }
            else
            {
                Assert.Contains(status, new[] { DecodeStatus.Truncated, DecodeStatus.Malformed, DecodeStatus.Skipped });
            }
        }
    }

    [Fact]
    public void SourceAndDestinationAddresses()
    {
        var p = default(DecodedPacket);
        PacketDecoder.Decode(LinkType.Raw, TcpV4(), ref p, new AnomalyCounters());
        Assert.Equal("10.0.0.1", p.Source.ToString());
        Assert.Equal("10.0.0.2", p.Destination.ToString());
        Assert.Equal(20 + 20 + Payload.Length, p.IpLength);
    }

    [Fact]
    public void Ipv6ExtensionHeaderChain()
    {
        // hop-by-hop (8 bytes) → destination options (8 bytes) → TCP
        byte[] ext = [60, 0, 1, 4, 0, 0, 0, 0, /* dest opts */ 6, 0, 1, 4, 0, 0, 0, 0];
        var ip6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 0, FrameBuilder.Tcp(1, 3624, 5, 0, FrameBuilder.Syn, default), ext);
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkType.Raw, ip6, ref p, new AnomalyCounters()));
        Assert.Equal(3624, p.DestinationPort);
        Assert.Equal("2001:db8::1", p.Source.ToString());
    }

    [Fact]
    public void NonFirstFragmentIsReportedForReassemblyAndCounted()
    {
        var ip = TcpV4();
        ip[6] = 0x00;
        ip[7] = 0x10; // offset 16*8
        var anomalies = new AnomalyCounters();
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Fragment, PacketDecoder.Decode(LinkType.Raw, ip, ref p, anomalies));
        Assert.Equal(1, anomalies[Anomaly.IpFragment]);
        Assert.Equal(128, p.Fragment.Offset);
        Assert.Equal(20, p.Fragment.DataOffset);
    }

    [Fact]
    public void SnapTruncatedPayloadIsDecodedAsFarAsItGoes()
    {
        var frame = FrameBuilder.Ethernet(0x0800, TcpV4());
        var cut = frame.AsSpan(0, frame.Length - 5);
        var anomalies = new AnomalyCounters();
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkType.Ethernet, cut, ref p, anomalies));
        Assert.True(p.SnapTruncated);
        Assert.Equal(Payload.Length - 5, p.PayloadLength);
        Assert.Equal(Payload.Length, p.ClaimedPayloadLength);
        Assert.Equal(1, anomalies[Anomaly.SnapTruncated]);
    }

    [Fact]
    public void BadHeadersAreCountedNotThrown()
    {
        var anomalies = new AnomalyCounters();
        var p = default(DecodedPacket);
        var ip = TcpV4();
        ip[0] = 0x44; // IHL 16 bytes < 20
        Assert.Equal(DecodeStatus.Malformed, PacketDecoder.Decode(LinkType.Raw, ip, ref p, anomalies));
        ip = TcpV4();
        ip[20 + 12] = 0x30; // TCP data offset 12 bytes
        Assert.Equal(DecodeStatus.Malformed, PacketDecoder.Decode(LinkType.Raw, ip, ref p, anomalies));
        Assert.Equal(DecodeStatus.UnsupportedLinkType, PacketDecoder.Decode(147, ip, ref p, anomalies));
        Assert.Equal(DecodeStatus.Skipped, PacketDecoder.Decode(LinkType.Ethernet, FrameBuilder.Ethernet(0x0806, new byte[28]), ref p, anomalies));
        ip = TcpV4();
        ip[2] = 0;
        ip[3] = 12; // total length 12 < header length 20
        Assert.Equal(DecodeStatus.Malformed, PacketDecoder.Decode(LinkType.Raw, ip, ref p, anomalies));
        Assert.Equal(1, anomalies[Anomaly.BadIpv4TotalLength]);
        Assert.Equal(1, anomalies[Anomaly.UnsupportedLinkType]);
        Assert.Equal(1, anomalies[Anomaly.BadIpv4HeaderLength]);
        Assert.Equal(1, anomalies[Anomaly.BadTcpDataOffset]);
        Assert.Equal(1, anomalies[Anomaly.NonIpFrame]);
    }

    [Fact]
    public void TooManyVlanTagsIsMalformed()
    {
        var frame = FrameBuilder.Ethernet(0x0800, TcpV4(), 1, 2, 3, 4, 5);
        var anomalies = new AnomalyCounters();
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Malformed, PacketDecoder.Decode(LinkType.Ethernet, frame, ref p, anomalies));
        Assert.Equal(1, anomalies[Anomaly.TooManyVlanTags]);
    }

    [Fact]
    public void UdpDatagram()
    {
        var frame = FrameBuilder.UdpFrame("10.0.0.1", 5353, "10.0.0.2", 3624, "hello"u8);
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkType.Ethernet, frame, ref p, new AnomalyCounters()));
        Assert.Equal(17, p.Protocol);
        Assert.Equal(5, p.PayloadLength);
    }
}
