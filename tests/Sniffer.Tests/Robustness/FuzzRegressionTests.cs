using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Flows;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// Inputs that broke a fuzz harness (fuzz/Sniffer.Fuzz, see fuzz/README.md), kept as regression tests: the bytes are
/// the minimised input, as hex. Each test names the harness that reproduces it with <c>--replay</c>.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>pcapng Section Header Block and one Ethernet Interface Description Block (little endian).</summary>
    private const string PcapngHeader =
        "0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000" +
        "0100000014000000010000000000040014000000";

    /// <summary>A Simple Packet Block of <paramref name="length"/> zero bytes (its header as hex, its body made here).</summary>
    private static byte[] SimplePacketBlockFile(int length)
    {
        var block = new byte[12 + 4 + length];
        Convert.FromHexString("03000000").CopyTo(block, 0);
        BitConverter.GetBytes(block.Length).CopyTo(block, 4);
        BitConverter.GetBytes(length).CopyTo(block, 8);
        BitConverter.GetBytes(block.Length).CopyTo(block, block.Length - 4);
        return [.. Convert.FromHexString(PcapngHeader), .. block];
    }

    // pcapng-reader: a Simple Packet Block carries no captured length, and the reader took the whole block body
    // (up to the 16 MiB block limit) as the packet, past MaxRecordLength: a 300000-byte packet was delivered, and
    // one that straddled two 1 MiB pipe segments overflowed the 256 KiB scratch buffer (ArgumentOutOfRangeException
    // out of Run, which the pipeline reported as "capture failed"). Enhanced Packet Blocks already refused this.
    [Theory]
    [InlineData(300_000)]
    [InlineData(2 * 1024 * 1024)]
    public void SimplePacketBlockLongerThanTheRecordLimitIsACaptureError(int length)
    {
        var e = Assert.Throws<CaptureException>(() => CollectingSink.Read(SimplePacketBlockFile(length)));
        Assert.Contains("simple packet block", e.Message);
    }

    [Fact]
    public void SimplePacketBlockAtTheRecordLimitIsStillRead()
    {
        var (sink, _) = CollectingSink.Read(SimplePacketBlockFile(CaptureFileReader.MaxRecordLength));
        Assert.Equal(CaptureFileReader.MaxRecordLength, Assert.Single(sink.Packets).Data.Length);
    }

    // pipeline: an IPv6 datagram whose fragment header says "offset 0, no more fragments" (an atomic fragment) is
    // rebuilt at once; when the next header after it is another fragment header, the rebuilt datagram is a fragment
    // again, and the processor followed that without a bound. A 64 KiB packet of 8000 stacked headers was rebuilt
    // 8000 times (1.5 s of CPU and 350 MB of rented buffers for one packet). Now it is followed as deep as tunnels
    // are (PacketDecoder.MaxIpNesting) and counted as tunnel_too_deep.
    private const string SixStackedAtomicFragments =
        "60000000003c2c40" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
        "2c00000000000001" + "2c00000000000002" + "2c00000000000003" + "2c00000000000004" + "2c00000000000005" +
        "1100000000000006" + "9c400e28000c0000" + "41424344";

    private sealed class NullChunks : IChunkSink
    {
        public void Submit(OutputChunk chunk) => chunk.Return();
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8000)]
    public void StackedAtomicIpv6FragmentsAreFollowedOnlyAsDeepAsTunnels(int headers)
    {
        byte[] six = Convert.FromHexString(SixStackedAtomicFragments);
        byte[] packet = six;
        if (headers != 6)
        {
            // The same shape with more headers: fixed header, N fragment headers, UDP.
            var ms = new MemoryStream();
            ms.Write(six.AsSpan(0, 40));
            for (int i = 0; i < headers; i++)
            {
                ms.Write(Convert.FromHexString(i < headers - 1 ? "2c00000000000000" : "1100000000000000"));
            }

            ms.Write(six.AsSpan(40 + (6 * 8)));
            packet = ms.ToArray();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        }

        using var processor = new PacketProcessor(new SnifferOptions { AnyPort = true }, new NullChunks());
        processor.ProcessPacket(LinkType.Raw, 1_000_000_000, packet);
        processor.Finish(FlowEndReason.EndOfInput);
        Assert.Equal(PacketDecoder.MaxIpNesting + 1, processor.Statistics.Reassembled);
        Assert.Equal(1, processor.Statistics.Anomalies[Anomaly.TunnelTooDeep]);
        Assert.Equal(0, processor.Statistics.FlowsCreated);
    }

    [Fact]
    public void FragmentsNestedWithinTheBoundStillReachTheirFlow()
    {
        // Three stacked atomic fragment headers (well within the bound), then UDP to port 3624.
        byte[] six = Convert.FromHexString(SixStackedAtomicFragments);
        byte[] packet = [.. six.AsSpan(0, 40), .. six.AsSpan(40 + 24, 24), .. six.AsSpan(40 + 48)];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(packet.Length - 40));
        using var processor = new PacketProcessor(new SnifferOptions(), new NullChunks());
        processor.ProcessPacket(LinkType.Raw, 1_000_000_000, packet);
        processor.Finish(FlowEndReason.EndOfInput);
        Assert.Equal(3, processor.Statistics.Reassembled);
        Assert.Equal(1, processor.Statistics.FlowsCreated);
        Assert.Equal(0, processor.Statistics.Anomalies[Anomaly.TunnelTooDeep]);
    }

    [Fact]
    public void OnlyAPacketOlderThanThePreviousPacketCountsAsTimeGoingBackwards()
    {
        byte[] Udp(ushort sport) => Support.FrameBuilder.UdpFrame("10.1.1.1", sport, "10.2.2.2", 3624, "x"u8);
        using var processor = new PacketProcessor(new SnifferOptions(), new NullChunks());
        processor.ProcessPacket(LinkType.Ethernet, 2_000_000_000, Udp(1000));
        processor.ProcessPacket(LinkType.Ethernet, 3_000_000_000, Udp(1001));
        processor.ProcessPacket(LinkType.Ethernet, 1_500_000_000, Udp(1002));
        processor.ProcessPacket(LinkType.Ethernet, 3_000_000_000, Udp(1003));
        processor.Finish(FlowEndReason.EndOfInput);
        Assert.Equal(1, processor.Statistics.Anomalies[Anomaly.TimestampWentBackwards]);
        Assert.Equal(4, processor.Statistics.FlowsCreated);
    }
}
