using System.Buffers.Binary;
using Sniffer.Decoding;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Decoding;

/// <summary>
/// The decoder's one-pass path for the common shape (Ethernet, one optional 802.1Q tag, IPv4 without options or
/// IPv6 without extension headers, TCP or UDP) must give exactly what the general chain gives: status, every field
/// of the decoded packet, and every anomaly counted — on well-formed frames and on hundreds of thousands of mutated
/// ones, where it must either agree or step aside.
/// </summary>
public class PacketDecoderFastPathTests
{
    private static readonly Anomaly[] AllAnomalies = [.. Enum.GetValues<Anomaly>().Where(a => a != Anomaly.Count)];

    private static IEnumerable<byte[]> Frames()
    {
        byte[] payload = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        byte[] tcp = FrameBuilder.Tcp(40000, 3624, 1000, 77, FrameBuilder.Psh | FrameBuilder.Ack, payload);
        byte[] tcpOptions = TcpWithOptions([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], payload); // NOP NOP timestamps
        byte[] udp = FrameBuilder.Udp(50000, 3624, payload);
        foreach (var transport in new[] { (6, tcp), (6, tcpOptions), (17, udp), (17, FrameBuilder.Udp(4789, 3624, payload)), (1, new byte[8]) })
        {
            var v4 = FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", (byte)transport.Item1, transport.Item2);
            var v6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", (byte)transport.Item1, transport.Item2);
            yield return FrameBuilder.Ethernet(0x0800, v4);
            yield return FrameBuilder.Ethernet(0x86DD, v6);
            yield return FrameBuilder.Ethernet(0x0800, v4, 100);
            yield return FrameBuilder.Ethernet(0x86DD, v6, 4095);
            yield return FrameBuilder.Ethernet(0x0800, v4, 10, 20); // QinQ: the chain's
        }
    }

    private static byte[] TcpWithOptions(byte[] options, byte[] payload)
    {
        var b = FrameBuilder.Tcp(40001, 3624, 5, 6, FrameBuilder.Ack, [.. options, .. payload]);
        b[12] = (byte)((20 + options.Length) / 4 << 4);
        return b;
    }

    [Fact]
    public void WellFormedFramesTakeTheFastPathAndMatchTheChain()
    {
        var frames = Frames().ToArray();
        foreach (var frame in frames)
        {
            AssertSame(frame);
        }

        // Per transport: plain v4, v6, v4 with a tag, v6 with a tag take the fast path; QinQ does not. VXLAN's port
        // and ICMP never do.
        bool[] expected = [true, true, true, true, false];
        for (int t = 0; t < frames.Length / expected.Length; t++)
        {
            bool tunnelOrOther = t >= 3;
            for (int shape = 0; shape < expected.Length; shape++)
            {
                var packet = default(DecodedPacket);
                Assert.Equal(expected[shape] && !tunnelOrOther,
                    PacketDecoder.TryDecodeCommon(frames[(t * expected.Length) + shape], ref packet, new AnomalyCounters()));
            }
        }
    }

    [Fact]
    public void MutatedFramesGiveTheSameAnswerEitherWay()
    {
        var random = new Random(3624);
        var frames = Frames().ToArray();
        int checkedFrames = 0;
        for (int round = 0; round < 2_000; round++)
        {
            foreach (var original in frames)
            {
                var frame = (byte[])original.Clone();
                switch (random.Next(4))
                {
                    case 0: // bit flips in the headers
                        for (int i = random.Next(1, 4); i > 0; i--)
                        {
                            frame[random.Next(Math.Min(frame.Length, 80))] ^= (byte)(1 << random.Next(8));
                        }

                        break;
                    case 1: // a length or type field set to 0, 1, max or random
                        {
                            int at = random.Next(Math.Min(frame.Length - 1, 80));
                            ushort value = random.Next(4) switch { 0 => 0, 1 => 1, 2 => 0xFFFF, _ => (ushort)random.Next(65536) };
                            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), value);
                            break;
                        }

                    case 2: // cut by a snap length
                        frame = frame[..random.Next(frame.Length)];
                        break;
                    default: // bytes after the datagram (Ethernet padding)
                        frame = [.. frame, .. new byte[random.Next(1, 40)]];
                        break;
                }

                AssertSame(frame);
                checkedFrames++;
            }
        }

        Assert.True(checkedFrames >= 50_000);
    }

    private static void AssertSame(byte[] frame)
    {
        var fastAnomalies = new AnomalyCounters();
        var chainAnomalies = new AnomalyCounters();
        var fast = default(DecodedPacket);
        var chain = default(DecodedPacket);
        var fastStatus = PacketDecoder.Decode(LinkType.Ethernet, frame, ref fast, fastAnomalies, commonShapeFirst: true);
        var chainStatus = PacketDecoder.Decode(LinkType.Ethernet, frame, ref chain, chainAnomalies, commonShapeFirst: false);
        Assert.Equal(chainStatus, fastStatus);
        Assert.Equal(chain.Source, fast.Source);
        Assert.Equal(chain.Destination, fast.Destination);
        Assert.Equal(chain.SourcePort, fast.SourcePort);
        Assert.Equal(chain.DestinationPort, fast.DestinationPort);
        Assert.Equal(chain.Protocol, fast.Protocol);
        Assert.Equal(chain.TcpFlags, fast.TcpFlags);
        Assert.Equal(chain.Sequence, fast.Sequence);
        Assert.Equal(chain.Acknowledgment, fast.Acknowledgment);
        Assert.Equal(chain.PayloadOffset, fast.PayloadOffset);
        Assert.Equal(chain.PayloadLength, fast.PayloadLength);
        Assert.Equal(chain.ClaimedPayloadLength, fast.ClaimedPayloadLength);
        Assert.Equal(chain.IpLength, fast.IpLength);
        Assert.Equal(chain.VlanId, fast.VlanId);
        Assert.Equal(chain.SnapTruncated, fast.SnapTruncated);
        Assert.Equal(chain.Tunnel, fast.Tunnel);
        Assert.Equal(chain.TunnelId, fast.TunnelId);
        Assert.Equal(chain.Fragment, fast.Fragment);
        foreach (var anomaly in AllAnomalies)
        {
            Assert.Equal(chainAnomalies[anomaly], fastAnomalies[anomaly]);
        }
    }
}
