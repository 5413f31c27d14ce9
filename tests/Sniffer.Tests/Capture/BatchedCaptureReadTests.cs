using System.Buffers.Binary;
using Microsoft.Extensions.ObjectPool;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Capture;

/// <summary>
/// The file fast path (a seekable classic pcap read straight into packet batches) must deliver exactly what the
/// general path (pipe reader, one packet at a time) delivers: same packets, timestamps, lengths, link types,
/// warnings and errors, whatever the record sizes and however the records fall across batch buffers.
/// </summary>
public class BatchedCaptureReadTests
{
    private sealed class BatchCollectingSink : IPacketSink, IBatchSink
    {
        private readonly ObjectPool<PacketBatch> _pool = PacketBatch.CreatePool(4);

        public List<(int LinkType, long Ts, byte[] Data, int Wire)> Packets { get; } = [];

        public int BatchesSubmitted { get; private set; }

        public int OnPacketCalls { get; private set; }

        public bool AcceptsBatches => true;

        public PacketBatch RentBatch() => _pool.Get();

        public void ReturnBatch(PacketBatch batch) => _pool.Return(batch);

        public void SubmitBatch(PacketBatch batch)
        {
            Assert.InRange(batch.Count, 1, PacketBatch.MaxPackets);
            BatchesSubmitted++;
            for (int i = 0; i < batch.Count; i++)
            {
                ref readonly var r = ref batch.Records[i];
                Packets.Add((r.LinkType, r.TimestampNs, batch.Packet(r).ToArray(), r.WireLength));
            }

            _pool.Return(batch);
        }

        public void OnPacket(int linkType, long timestampNs, ReadOnlySpan<byte> data, int wireLength)
        {
            OnPacketCalls++;
            Packets.Add((linkType, timestampNs, data.ToArray(), wireLength));
        }

        public void OnIdle(long nowNs)
        {
        }
    }

    private static (BatchCollectingSink Batched, CollectingSink General, CaptureFileReader BatchedReader, CaptureFileReader GeneralReader) ReadBothWays(byte[] file, bool fastPath = true)
    {
        var batched = new BatchCollectingSink();
        var batchedReader = new CaptureFileReader("t", new MemoryStream(file));
        var general = new CollectingSink();
        var generalReader = new CaptureFileReader("t", new CollectingSink.TrickleStream(file, 65536));
        Exception? batchedError = Record.Exception(() => batchedReader.Run(batched, CancellationToken.None));
        Exception? generalError = Record.Exception(() => generalReader.Run(general, CancellationToken.None));
        Assert.Equal(generalError?.Message, batchedError?.Message);
        Assert.Equal(general.Packets.Count, batched.Packets.Count);
        for (int i = 0; i < general.Packets.Count; i++)
        {
            Assert.Equal(general.Packets[i].LinkType, batched.Packets[i].LinkType);
            Assert.Equal(general.Packets[i].Ts, batched.Packets[i].Ts);
            Assert.Equal(general.Packets[i].Wire, batched.Packets[i].Wire);
            Assert.True(general.Packets[i].Data.AsSpan().SequenceEqual(batched.Packets[i].Data), $"packet {i}");
        }

        Assert.Equal(generalReader.Warnings, batchedReader.Warnings);
        Assert.Equal(generalReader.Statistics.PacketsRead, batchedReader.Statistics.PacketsRead);
        Assert.Equal(generalReader.Statistics.BytesRead, batchedReader.Statistics.BytesRead);
        if (fastPath)
        {
            Assert.Equal(0, batched.OnPacketCalls); // all of it went through batches
        }
        return (batched, general, batchedReader, generalReader);
    }

    private static List<CapturedFrame> Frames(int n, Func<int, int> payload) =>
        Enumerable.Range(0, n).Select(i => new CapturedFrame(1_700_000_000_123_456_000L + (i * 1_000L),
            FrameBuilder.TcpFrame("10.0.0.1", 40000, "10.0.0.2", 3624, (uint)i, 0, FrameBuilder.Ack, new byte[payload(i)]))).ToList();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void SameAsTheGeneralPath(bool bigEndian, bool nanoseconds)
    {
        var (batched, _, reader, _) = ReadBothWays(CaptureBuilder.Pcap(LinkType.Ethernet, Frames(3000, i => (i * 131) % 1460), bigEndian, nanoseconds));
        Assert.Equal(3000, batched.Packets.Count);
        Assert.Equal(CaptureFileFormat.Pcap, reader.Format);
    }

    [Fact]
    public void ManyBatchesOfTinyPacketsAndRecordsAcrossBufferEnds()
    {
        // 10,000 header-only packets (more than one batch holds), then large ones that cross buffer ends.
        var frames = Frames(10_000, _ => 0);
        frames.AddRange(Frames(40, i => 60_000 + (i * 997)));
        var (batched, _, _, _) = ReadBothWays(CaptureBuilder.Pcap(LinkType.Ethernet, frames));
        Assert.Equal(10_040, batched.Packets.Count);
        Assert.True(batched.BatchesSubmitted >= 4);
    }

    [Fact]
    public void RecordsOfTheMaximumLength()
    {
        var frames = Frames(12, i => CaptureFileReader.MaxRecordLength - 54 - (i % 3));
        var (batched, _, _, _) = ReadBothWays(CaptureBuilder.Pcap(LinkType.Ethernet, frames));
        Assert.Equal(12, batched.Packets.Count);
    }

    [Fact]
    public void TruncatedLastRecordIsReportedTheSameWay()
    {
        var file = CaptureBuilder.Pcap(LinkType.Ethernet, Frames(500, i => i));
        var (batched, _, reader, _) = ReadBothWays(file[..^7]);
        Assert.Equal(499, batched.Packets.Count);
        Assert.Contains("truncated last record", Assert.Single(reader.Warnings));
    }

    [Fact]
    public void CorruptRecordLengthIsTheSameErrorAfterTheSamePackets()
    {
        var file = CaptureBuilder.Pcap(LinkType.Ethernet, Frames(50, i => i));
        int offset = 24;
        for (int i = 0; i < 30; i++)
        {
            offset += 16 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset + 8), 0xFFFF_FFF0);
        var (batched, _, _, _) = ReadBothWays(file);
        Assert.Equal(30, batched.Packets.Count);
    }

    [Fact]
    public void UnsupportedLinkTypeIsReported()
    {
        var (_, _, reader, _) = ReadBothWays(CaptureBuilder.Pcap(147, Frames(3, i => i)));
        Assert.Contains(147, reader.LinkTypes);
    }

    [Fact]
    public void PcapngAndShortFilesTakeTheGeneralPath()
    {
        var (pcapng, _, _, _) = ReadBothWays(CaptureBuilder.Pcapng([LinkType.Ethernet], Frames(100, i => i)), fastPath: false);
        Assert.Equal(100, pcapng.OnPacketCalls);
        ReadBothWays(CaptureBuilder.Pcap(LinkType.Ethernet, [])[..20], fastPath: false);
        ReadBothWays(CaptureBuilder.Pcap(LinkType.Ethernet, []));
        ReadBothWays([], fastPath: false);
    }
}
