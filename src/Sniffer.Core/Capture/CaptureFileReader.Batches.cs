using System.Buffers.Binary;
using Sniffer.Decoding;

namespace Sniffer.Capture;

// The file fast path: a seekable classic-pcap file read on the capture thread straight into pooled packet batches
// (no pipe, no thread-pool hop per read, no second copy of each packet into a batch). Records are indexed where
// they lie in the batch buffer; a record cut by the end of a buffer moves to the front of the next batch.
public sealed partial class CaptureFileReader
{
    /// <summary>When less than this is left in a batch buffer, the next read goes to a new batch.</summary>
    private const int MinBatchRead = 64 * 1024;

    /// <summary>Reads the whole file in batches; false (nothing consumed, stream rewound) when it is not classic pcap.</summary>
    private bool TryRunBatched(IBatchSink sink, CancellationToken cancellation)
    {
        long origin = _stream.Position;
        var batch = sink.RentBatch();
        int end = Fill(batch.Data, 0, 24);
        if (end < 24 || CaptureFileMagic.Detect(batch.Data[..4]) != CaptureFileFormat.Pcap)
        {
            sink.ReturnBatch(batch);
            _stream.Position = origin; // the general path reports what is wrong
            return false;
        }

        var head = batch.Data[..24];
        uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(head);
        bool bigEndian = magicLe is not (CaptureFileMagic.PcapMicro or CaptureFileMagic.PcapNano or CaptureFileMagic.PcapModified);
        uint magic = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head) : magicLe;
        bool nanoseconds = magic == CaptureFileMagic.PcapNano;
        int headerLength = magic == CaptureFileMagic.PcapModified ? 24 : 16;
        int linkType = (int)(Read32(head[20..], bigEndian) & 0xFFFF);
        bool linkSupported = LinkType.IsSupported(linkType);
        Format = CaptureFileFormat.Pcap;
        long offset = 24;
        int pos = 24;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                // Index every complete record in [pos, end).
                var data = batch.Data;
                while (batch.Count < PacketBatch.MaxPackets && end - pos >= headerLength)
                {
                    var h = data.Slice(pos, 16);
                    uint sec = Read32(h, bigEndian);
                    uint frac = Read32(h[4..], bigEndian);
                    uint incl = Read32(h[8..], bigEndian);
                    uint orig = Read32(h[12..], bigEndian);
                    if (incl > MaxRecordLength)
                    {
                        throw new CaptureException($"{Name}: record at offset {offset} claims {incl} bytes (limit {MaxRecordLength}); file is corrupt");
                    }

                    if (end - pos < headerLength + (int)incl)
                    {
                        break;
                    }

                    long ts = (sec * 1_000_000_000L) + (nanoseconds ? frac : frac * 1000L);
                    batch.AddInPlace(pos + headerLength, (int)incl, (int)Math.Max(orig, incl), linkType, ts);
                    Statistics.PacketsRead++;
                    Statistics.BytesRead += incl;
                    pos += headerLength + (int)incl;
                    offset += headerLength + incl;
                }

                if (!linkSupported && batch.Count > 0)
                {
                    LinkTypes.Add(linkType);
                }

                // Move on to a new batch when this one is full or has too little room left to read into.
                if (batch.Count == PacketBatch.MaxPackets || PacketBatch.DataCapacity - end < MinBatchRead)
                {
                    var next = sink.RentBatch();
                    data.Slice(pos, end - pos).CopyTo(next.Data);
                    end -= pos;
                    pos = 0;
                    if (batch.Count > 0)
                    {
                        sink.SubmitBatch(batch);
                    }
                    else
                    {
                        sink.ReturnBatch(batch);
                    }

                    batch = next;
                    continue;
                }

                int n = ReadSome(batch.Data, end);
                if (n == 0)
                {
                    if (end > pos)
                    {
                        _warnings.Add($"{Name}: truncated last record ({end - pos} bytes at offset {offset}) ignored");
                    }

                    break;
                }

                end += n;
            }
        }
        finally
        {
            if (batch.Count > 0)
            {
                sink.SubmitBatch(batch);
            }
            else
            {
                sink.ReturnBatch(batch);
            }
        }

        return true;
    }

    private int ReadSome(Span<byte> buffer, int at)
    {
        try
        {
            return _stream.Read(buffer[at..]);
        }
        catch (IOException e)
        {
            throw new CaptureException($"{Name}: read error: {e.Message}", e);
        }
    }

    /// <summary>Reads until at least <paramref name="count"/> bytes are in or the file ends; returns the bytes read.</summary>
    private int Fill(Span<byte> buffer, int at, int count)
    {
        int total = 0;
        while (total < count)
        {
            int n = ReadSome(buffer, at + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
