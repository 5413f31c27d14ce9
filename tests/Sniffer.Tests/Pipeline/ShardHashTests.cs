using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Pipeline;

/// <summary>The dispatcher's raw-header shard hash must put every packet where the full decode would.</summary>
public class ShardHashTests
{
    private static byte[] Vxlan(byte[] inner) => FrameBuilder.UdpFrame("192.0.2.1", 40000, "192.0.2.2", PacketDecoder.VxlanPort, [0x08, 0, 0, 0, 0, 0, 1, 0, .. inner]);

    public static TheoryData<string, byte[], bool> Frames()
    {
        var tcp = FrameBuilder.Tcp(40000, 3624, 1, 1, FrameBuilder.Ack, new byte[10]);
        var udp = FrameBuilder.Udp(40000, 3624, new byte[10]);
        var v4 = FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 6, tcp);
        var v6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 6, tcp);
        var fragment = (byte[])FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 17, udp).Clone();
        fragment[6] = 0x20; // more fragments
        return new TheoryData<string, byte[], bool>
        {
            { "ipv4 tcp", FrameBuilder.Ethernet(0x0800, v4), true },
            { "ipv4 udp", FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 17, udp)), true },
            { "ipv6 tcp", FrameBuilder.Ethernet(0x86DD, v6), true },
            { "ipv6 udp", FrameBuilder.Ethernet(0x86DD, FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 17, udp)), true },
            { "vlan", FrameBuilder.Ethernet(0x0800, v4, 42), true },
            { "qinq, first tag 0", FrameBuilder.Ethernet(0x0800, v4, 0, 7), true },
            { "fragment", FrameBuilder.Ethernet(0x0800, fragment), true },
            { "vxlan: decoded", Vxlan(FrameBuilder.TcpFrame("172.16.0.1", 1234, "172.16.0.2", 3624, 1, 1, FrameBuilder.Ack)), false },
            { "ipv6 extension header: decoded", FrameBuilder.Ethernet(0x86DD, FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 0, tcp, [6, 0, 1, 4, 0, 0, 0, 0])), false },
            { "ip in ip: decoded", FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 4, v4)), false },
            { "truncated", FrameBuilder.Ethernet(0x0800, v4)[..30], false },
        };
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void SameWorkerAsTheFullDecode(string what, byte[] frame, bool fastPath)
    {
        var packet = default(DecodedPacket);
        var status = PacketDecoder.Decode(LinkType.Ethernet, frame, ref packet, new AnomalyCounters());
        bool computed = ShardHash.TryCompute(LinkType.Ethernet, frame, out uint hash);
        Assert.True(fastPath == computed, what);
        if (computed)
        {
            Assert.True(status is DecodeStatus.Ok or DecodeStatus.Fragment, what);
            Assert.Equal(packet.AddressPairHash(), hash);
        }
    }

    [Fact]
    public void BothDirectionsOfAFlowGetTheSameHash()
    {
        Assert.True(ShardHash.TryCompute(LinkType.Ethernet, FrameBuilder.TcpFrame("10.0.0.1", 40000, "10.0.0.2", 3624, 1, 1, FrameBuilder.Ack), out uint a));
        Assert.True(ShardHash.TryCompute(LinkType.Ethernet, FrameBuilder.TcpFrame("10.0.0.2", 3624, "10.0.0.1", 40000, 1, 1, FrameBuilder.Ack), out uint b));
        Assert.Equal(a, b);
    }
}
