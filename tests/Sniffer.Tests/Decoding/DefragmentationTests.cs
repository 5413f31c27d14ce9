using System.Buffers.Binary;
using Sniffer.Decoding;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Decoding;

public class DefragmentationTests
{
    private static readonly byte[] Datagram = FrameBuilder.Udp(5353, 3624, Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray());

    /// <summary>Splits an IPv4 payload into fragments of <paramref name="size"/> bytes (multiple of 8).</summary>
    private static List<byte[]> V4Fragments(byte[] transport, int size, ushort id = 77)
    {
        var list = new List<byte[]>();
        for (int o = 0; o < transport.Length; o += size)
        {
            int n = Math.Min(size, transport.Length - o);
            var ip = FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 17, transport.AsSpan(o, n), id: id);
            ushort flags = (ushort)((o / 8) | (o + n < transport.Length ? 0x2000 : 0));
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), flags);
            list.Add(FrameBuilder.Ethernet(0x0800, ip));
        }

        return list;
    }

    private static List<byte[]> V6Fragments(byte[] transport, int size, uint id = 0x1234)
    {
        var list = new List<byte[]>();
        for (int o = 0; o < transport.Length; o += size)
        {
            int n = Math.Min(size, transport.Length - o);
            var frag = new byte[8];
            frag[0] = 17;
            BinaryPrimitives.WriteUInt16BigEndian(frag.AsSpan(2), (ushort)(o | (o + n < transport.Length ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(frag.AsSpan(4), id);
            list.Add(FrameBuilder.Ethernet(0x86DD, FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 44, transport.AsSpan(o, n), frag)));
        }

        return list;
    }

    private static (DecodedPacket Packet, byte[] Bytes)? Feed(IEnumerable<byte[]> frames, IpDefragmenter d)
    {
        var anomalies = new AnomalyCounters();
        foreach (var f in frames)
        {
            var p = default(DecodedPacket);
            Assert.Equal(DecodeStatus.Fragment, PacketDecoder.Decode(LinkType.Ethernet, f, ref p, anomalies));
            if (d.Add(p, f, 1_000_000_000, out var whole))
            {
                var bytes = whole.Packet.ToArray();
                IpDefragmenter.Return(whole);
                var q = default(DecodedPacket);
                Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkType.Raw, bytes, ref q, anomalies));
                return (q, bytes);
            }
        }

        return null;
    }

    [Theory]
    [InlineData(4, false, false)]
    [InlineData(4, true, false)]
    [InlineData(4, true, true)]
    [InlineData(6, false, false)]
    [InlineData(6, true, true)]
    public void ReassemblesInAnyOrderWithDuplicates(int version, bool reverse, bool duplicate)
    {
        var frags = version == 4 ? V4Fragments(Datagram, 1200) : V6Fragments(Datagram, 1200);
        if (reverse)
        {
            frags.Reverse();
        }

        if (duplicate)
        {
            frags.Insert(1, frags[0]);
        }

        var d = new IpDefragmenter(new AnomalyCounters());
        var r = Feed(frags, d);
        Assert.NotNull(r);
        var (p, bytes) = r.Value;
        Assert.Equal(17, p.Protocol);
        Assert.Equal(3624, p.DestinationPort);
        Assert.Equal(Datagram.AsSpan(8).ToArray(), bytes.AsSpan(p.PayloadOffset, p.PayloadLength).ToArray());
        Assert.Equal(0, d.Pending);
        Assert.Equal(0, d.MemoryInUse);
    }

    [Fact]
    public void OverlapKeepsFirstBytesAndCounts()
    {
        var frags = V4Fragments(Datagram, 1200);
        var evil = (byte[])frags[1].Clone();
        evil[14 + 20 + 5] ^= 0xFF; // same offset, different data
        var anomalies = new AnomalyCounters();
        var d = new IpDefragmenter(anomalies);
        var r = Feed([frags[1], evil, frags[0], frags[2]], d);
        Assert.NotNull(r);
        Assert.Equal(1, anomalies[Anomaly.FragmentOverlapConflict]);
        Assert.Equal(Datagram.AsSpan(8).ToArray(), r.Value.Bytes.AsSpan(r.Value.Packet.PayloadOffset, r.Value.Packet.PayloadLength).ToArray());
    }

    [Fact]
    public void IncompleteDatagramWithFirstFragmentIsHandedBackAtTimeout()
    {
        var frags = V4Fragments(Datagram, 1200);
        var anomalies = new AnomalyCounters();
        var d = new IpDefragmenter(anomalies);
        Assert.Null(Feed([frags[0], frags[2]], d));
        Assert.False(d.Expire(1_000_000_000 + IpDefragmenter.DefaultTimeoutNs - 1, out _));
        Assert.True(d.Expire(1_000_000_000 + IpDefragmenter.DefaultTimeoutNs, out var partial));
        var p = default(DecodedPacket);
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(LinkType.Raw, partial.Packet, ref p, anomalies));
        Assert.Equal(3624, p.DestinationPort);
        Assert.Equal(1200 - 8, p.PayloadLength);
        IpDefragmenter.Return(partial);
        Assert.Equal(1, anomalies[Anomaly.FragmentTimeout]);
        Assert.Equal(0, d.MemoryInUse);
    }

    [Fact]
    public void MemoryLimitIsEnforced()
    {
        var anomalies = new AnomalyCounters();
        var d = new IpDefragmenter(anomalies, memoryLimitBytes: 16 * 1024);
        for (ushort id = 0; id < 100; id++)
        {
            Feed([V4Fragments(Datagram, 1200, id)[1]], d);
        }

        Assert.True(d.MemoryInUse <= 16 * 1024);
        Assert.True(anomalies[Anomaly.FragmentMemoryExceeded] > 0);
    }

    [Fact]
    public void FragmentedUdpFlowIsIdentifiedEndToEnd()
    {
        var frames = V4Fragments(Datagram, 1200).Select((f, i) => new CapturedFrame(1_000_000_000 + i, f)).Reverse().ToList();
        var (records, result) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("udp", end.Str("network.transport"));
        Assert.Equal("3624", end.Str("destination.port"));
        Assert.Equal("1", end.Str("network.packets"));
        Assert.Equal((20 + Datagram.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), end.Str("network.bytes"));
        Assert.Equal(1, result.Totals.Reassembled);
    }
}
