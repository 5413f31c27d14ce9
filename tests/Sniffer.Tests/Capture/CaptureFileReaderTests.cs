using System.Buffers.Binary;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Capture;

public class CaptureFileReaderTests
{
    private static List<CapturedFrame> Frames(int n) =>
        Enumerable.Range(0, n).Select(i => new CapturedFrame(
            1_700_000_000_123_456_000L + (i * 1_000_000L),
            FrameBuilder.TcpFrame("10.0.0.1", 40000, "10.0.0.2", 3624, (uint)i, 0, FrameBuilder.Ack, new byte[i * 37]))).ToList();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ClassicPcapBothByteOrdersAndResolutions(bool bigEndian, bool nanos)
    {
        var frames = Frames(20);
        var (sink, reader) = CollectingSink.Read(CaptureBuilder.Pcap(LinkType.Ethernet, frames, bigEndian, nanos));
        Assert.Equal(CaptureFileFormat.Pcap, reader.Format);
        Assert.Equal(20, sink.Packets.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i].Data, sink.Packets[i].Data);
            Assert.Equal(frames[i].TimestampNs, sink.Packets[i].Ts);
            Assert.Equal(LinkType.Ethernet, sink.Packets[i].LinkType);
        }

        Assert.Empty(reader.Warnings);
    }

    [Theory]
    [InlineData(false, 6)]
    [InlineData(true, 6)]
    [InlineData(false, 9)]
    public void PcapngBothByteOrdersResolutionsAndInterfaces(bool bigEndian, byte resol)
    {
        var frames = Frames(10);
        var file = CaptureBuilder.Pcapng([LinkType.Ethernet, LinkType.Raw], frames, bigEndian, resol, i => i % 2 == 0 ? 0 : 0);
        var (sink, reader) = CollectingSink.Read(file);
        Assert.Equal(CaptureFileFormat.Pcapng, reader.Format);
        Assert.Equal(10, sink.Packets.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i].Data, sink.Packets[i].Data);
            Assert.Equal(frames[i].TimestampNs, sink.Packets[i].Ts);
        }
    }

    [Fact]
    public void PcapngPerInterfaceLinkType()
    {
        var raw = FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 17, FrameBuilder.Udp(1, 3624, "x"u8));
        var eth = FrameBuilder.Ethernet(0x0800, raw);
        var frames = new List<CapturedFrame> { new(1_000_000_000, eth), new(2_000_000_000, raw) };
        var (sink, _) = CollectingSink.Read(CaptureBuilder.Pcapng([LinkType.Ethernet, LinkType.Raw], frames, ifaceOf: i => i));
        Assert.Equal(LinkType.Ethernet, sink.Packets[0].LinkType);
        Assert.Equal(LinkType.Raw, sink.Packets[1].LinkType);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void RecordsStraddlingReadsAreReassembled(int chunk)
    {
        var frames = Frames(30);
        foreach (var file in new[] { CaptureBuilder.Pcap(1, frames), CaptureBuilder.Pcapng([1], frames) })
        {
            var sink = new CollectingSink();
            new CaptureFileReader("t", new CollectingSink.TrickleStream(file, chunk)).Run(sink, CancellationToken.None);
            Assert.Equal(30, sink.Packets.Count);
            Assert.Equal(frames[29].Data, sink.Packets[29].Data);
        }
    }

    [Fact]
    public void TruncatedLastRecordIsReportedAndEverythingBeforeIsDelivered()
    {
        var file = CaptureBuilder.Pcap(1, Frames(5));
        var (sink, reader) = CollectingSink.Read(file[..^10]);
        Assert.Equal(4, sink.Packets.Count);
        Assert.Single(reader.Warnings);
        Assert.Contains("truncated last record", reader.Warnings[0]);
    }

    [Fact]
    public void FormatIsDetectedByMagicNotByName()
    {
        var file = CaptureBuilder.Pcapng([1], Frames(2));
        var sink = new CollectingSink();
        using var reader = new CaptureFileReader("capture.pcap", new MemoryStream(file));
        reader.Run(sink, CancellationToken.None);
        Assert.Equal(CaptureFileFormat.Pcapng, reader.Format);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        var e = Assert.Throws<CaptureException>(() => CollectingSink.Read([]));
        Assert.Contains("empty", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(new byte[] { 0x7f, 0x45, 0x4c, 0x46 })]
    [InlineData(new byte[] { 0xd4, 0xc3 })]
    public void NotACaptureIsAnError(byte[] data)
    {
        var e = Assert.Throws<CaptureException>(() => CollectingSink.Read(data));
        Assert.Contains("not a pcap or pcapng file", e.Message);
    }

    [Fact]
    public void TruncatedGlobalHeaderIsAnError()
    {
        var file = CaptureBuilder.Pcap(1, Frames(1));
        var e = Assert.Throws<CaptureException>(() => CollectingSink.Read(file[..20]));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RecordClaimingFourGigabytesIsAnErrorAfterEarlierPackets()
    {
        var file = CaptureBuilder.Pcap(1, Frames(3));
        int second = 24 + 16 + Frames(1)[0].Data.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(second + 8), 0xFFFFFFF0);
        var sink = new CollectingSink();
        var reader = new CaptureFileReader("t", new MemoryStream(file));
        var e = Assert.Throws<CaptureException>(() => reader.Run(sink, CancellationToken.None));
        Assert.Contains("claims", e.Message);
        Assert.Single(sink.Packets);
    }

    [Fact]
    public void PcapngBadBlockLengthIsAnError()
    {
        var file = CaptureBuilder.Pcapng([1], Frames(2));
        // second block (the IDB) starts after the 28-byte SHB: corrupt its length
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(28 + 4), 7);
        var e = Assert.Throws<CaptureException>(() => CollectingSink.Read(file));
        Assert.Contains("bad length", e.Message);
    }

    [Fact]
    public void CapturedLengthSmallerThanWireLengthIsKept()
    {
        var f = Frames(1)[0];
        var (sink, _) = CollectingSink.Read(CaptureBuilder.Pcap(1, [f with { WireLength = f.Data.Length + 500 }]));
        Assert.Equal(f.Data.Length + 500, sink.Packets[0].Wire);
    }
}

public class CaptureFileVariantTests
{
    private static List<CapturedFrame> Frames(int n, ushort port) =>
        Enumerable.Range(0, n).Select(i => new CapturedFrame(1_700_000_000_000_000_000L + (i * 1_000L),
            FrameBuilder.TcpFrame("10.0.0.1", port, "10.0.0.2", 3624, (uint)i, 0, FrameBuilder.Ack))).ToList();

    [Fact]
    public void SeveralPcapngSectionsWithDifferentByteOrders()
    {
        var first = CaptureBuilder.Pcapng([LinkType.Ethernet], Frames(3, 1000));
        var second = CaptureBuilder.Pcapng([LinkType.Ethernet], Frames(2, 2000), bigEndian: true, tsResol: 9);
        var (sink, reader) = CollectingSink.Read([.. first, .. second]);
        Assert.Equal(5, sink.Packets.Count);
        Assert.Empty(reader.Warnings);
        Assert.Equal(Frames(2, 2000)[1].Data, sink.Packets[4].Data);
        Assert.Equal(Frames(2, 2000)[1].TimestampNs, sink.Packets[4].Ts);
    }

    [Fact]
    public void ModifiedKuznetzovPcap()
    {
        var frames = Frames(3, 1000);
        var ms = new MemoryStream();
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, CaptureFileMagic.PcapModified);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        ms.Write(header);
        foreach (var f in frames)
        {
            var r = new byte[24]; // 16-byte record header + ifindex, protocol, pkt_type, pad
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)(f.TimestampNs / 1_000_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(4), (uint)(f.TimestampNs % 1_000_000_000 / 1000));
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(8), (uint)f.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(12), (uint)f.Data.Length);
            ms.Write(r);
            ms.Write(f.Data);
        }

        var (sink, _) = CollectingSink.Read(ms.ToArray());
        Assert.Equal(3, sink.Packets.Count);
        Assert.Equal(frames[2].Data, sink.Packets[2].Data);
    }
}
