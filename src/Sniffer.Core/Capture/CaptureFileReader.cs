using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Sniffer.Decoding;

namespace Sniffer.Capture;

/// <summary>
/// Reads classic pcap (both byte orders, micro- and nanosecond magic, the modified/Kuznetzov variant) and
/// pcapng (several sections, per-interface link types and timestamp resolution/offset, Enhanced, Simple and
/// obsolete Packet Blocks, unknown blocks skipped) from any stream through System.IO.Pipelines. Needs no libpcap.
/// A truncated last record is reported as a warning; every packet before it has been delivered.
/// </summary>
public sealed partial class CaptureFileReader : IPacketSource
{
    /// <summary>Largest captured packet accepted (libpcap's own maximum snap length).</summary>
    public const int MaxRecordLength = 262_144;
    /// <summary>Largest pcapng block accepted.</summary>
    public const int MaxBlockLength = 16 * 1024 * 1024;
    /// <summary>Interfaces accepted per pcapng section.</summary>
    public const int MaxInterfaces = 1024;
    private const int PipeBufferSize = 1 << 20;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly List<string> _warnings = [];

    public CaptureFileReader(string name, Stream stream, bool ownsStream = true)
    {
        Name = name;
        _stream = stream;
        _ownsStream = ownsStream;
        try
        {
            Length = stream.CanSeek ? stream.Length : null;
        }
        catch (Exception e) when (e is IOException or NotSupportedException)
        {
            Length = null;
        }
    }

    public static CaptureFileReader Open(string path)
    {
        if (path == "-")
        {
            return new CaptureFileReader("stdin", new StandardInputStream(Console.OpenStandardInput(PipeBufferSize)));
        }

        try
        {
            var fs = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite,
                BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
            return new CaptureFileReader(path, fs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CaptureException($"{path}: {Describe(e)}", e);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };

    public string Name { get; }

    public bool IsLive => false;

    public CaptureStatistics Statistics { get; } = new();

    /// <summary>Non-fatal problems met while reading (truncated last record...), for the end-of-run report.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    public CaptureFileFormat Format { get; private set; }

    private long _bytesConsumed;

    /// <summary>Input bytes parsed so far (updated once per read, not per packet), for the progress line.</summary>
    public long BytesConsumed => Volatile.Read(ref _bytesConsumed);

    /// <summary>Size of the input when it is a regular file (for a percentage); null for stdin and pipes.</summary>
    public long? Length { get; }

    /// <summary>Link types met that the decoder does not support, reported once each.</summary>
    public HashSet<int> LinkTypes { get; } = [];

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    public void Run(IPacketSink sink, CancellationToken cancellation)
    {
        if (sink is IBatchSink { AcceptsBatches: true } batches && _stream.CanSeek && TryRunBatched(batches, cancellation))
        {
            return;
        }

        if (_stream is StandardInputStream stdin)
        {
            stdin.Cancellation = cancellation; // a stop request ends a wait on an idle pipe
        }

        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: PipeBufferSize, minimumReadSize: PipeBufferSize / 4, leaveOpen: true));
        try
        {
            var state = new ParseState();
            while (true)
            {
                ReadResult result;
                try
                {
                    // A pipe (tcpdump -U -w - | sniffer -r -) delivers packets as they happen: before waiting for
                    // more input, hand what has been read over so records are not held back.
                    if (!reader.TryRead(out result))
                    {
                        if (!_stream.CanSeek)
                        {
                            sink.OnIdle(0);
                        }

                        result = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    }
                }
                catch (IOException e)
                {
                    throw new CaptureException($"{Name}: read error: {e.Message}", e);
                }

                var buffer = result.Buffer;
                var consumed = Parse(buffer, result.IsCompleted, ref state, sink, cancellation);
                Volatile.Write(ref _bytesConsumed, state.Offset);
                if (cancellation.IsCancellationRequested)
                {
                    break;
                }

                if (result.IsCompleted)
                {
                    long left = buffer.Slice(consumed).Length;
                    if (!state.HeaderSeen)
                    {
                        throw new CaptureException(buffer.Length == 0 ? $"{Name}: empty file" : $"{Name}: not a pcap or pcapng file (truncated header)");
                    }

                    if (left > 0)
                    {
                        _warnings.Add($"{Name}: truncated last record ({left} bytes at offset {state.Offset}) ignored");
                    }

                    break;
                }

                reader.AdvanceTo(consumed, buffer.End);
            }
        }
        finally
        {
            reader.Complete();
        }
    }

    private struct ParseState
    {
        public bool HeaderSeen;
        public long Offset;
        public CaptureFileFormat Format;
        // classic pcap
        public bool BigEndian;
        public bool Nanoseconds;
        public bool Modified;
        public int LinkType;
        // pcapng
        public int InterfaceCount;
        public long LastTimestampNs;
    }

    // pcapng interfaces of the current section: link type, ticks per second exponent, offset.
    private readonly int[] _ifLinkType = new int[MaxInterfaces];
    private readonly long[] _ifTsUnitsPerSecond = new long[MaxInterfaces];
    private readonly bool[] _ifTsPow2 = new bool[MaxInterfaces];
    private readonly int[] _ifTsPow2Exp = new int[MaxInterfaces];
    private readonly long[] _ifTsOffsetSec = new long[MaxInterfaces];

    private SequencePosition Parse(ReadOnlySequence<byte> buffer, bool isCompleted, ref ParseState state, IPacketSink sink, CancellationToken cancellation)
    {
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> head = stackalloc byte[32];
        if (!state.HeaderSeen)
        {
            if (reader.Remaining < 4)
            {
                if (isCompleted && reader.Remaining > 0)
                {
                    throw new CaptureException($"{Name}: not a pcap or pcapng file");
                }

                return reader.Position;
            }

            reader.TryCopyTo(head[..4]);
            state.Format = CaptureFileMagic.Detect(head[..4]);
            Format = state.Format;
            if (state.Format == CaptureFileFormat.Unknown)
            {
                throw new CaptureException($"{Name}: not a pcap or pcapng file");
            }

            if (state.Format == CaptureFileFormat.Pcap)
            {
                if (reader.Remaining < 24)
                {
                    if (isCompleted)
                    {
                        throw new CaptureException($"{Name}: truncated pcap global header");
                    }

                    return reader.Position;
                }

                reader.TryCopyTo(head[..24]);
                uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(head);
                state.BigEndian = magicLe is not (CaptureFileMagic.PcapMicro or CaptureFileMagic.PcapNano or CaptureFileMagic.PcapModified);
                uint magic = state.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head) : magicLe;
                state.Nanoseconds = magic == CaptureFileMagic.PcapNano;
                state.Modified = magic == CaptureFileMagic.PcapModified;
                uint network = Read32(head[20..], state.BigEndian);
                state.LinkType = (int)(network & 0xFFFF);
                reader.Advance(24);
                state.Offset = 24;
            }

            state.HeaderSeen = true;
        }

        while (!cancellation.IsCancellationRequested)
        {
            bool complete = state.Format == CaptureFileFormat.Pcap
                ? ReadPcapRecord(ref reader, ref state, sink, head)
                : ReadPcapngBlock(ref reader, ref state, sink, head);
            if (!complete)
            {
                break;
            }
        }

        return reader.Position;
    }

    private bool ReadPcapRecord(ref SequenceReader<byte> reader, ref ParseState state, IPacketSink sink, scoped Span<byte> head)
    {
        int headerLength = state.Modified ? 24 : 16;
        if (!reader.TryCopyTo(head[..headerLength]))
        {
            return false;
        }

        uint sec = Read32(head, state.BigEndian);
        uint frac = Read32(head[4..], state.BigEndian);
        uint incl = Read32(head[8..], state.BigEndian);
        uint orig = Read32(head[12..], state.BigEndian);
        if (incl > MaxRecordLength)
        {
            throw new CaptureException($"{Name}: record at offset {state.Offset} claims {incl} bytes (limit {MaxRecordLength}); file is corrupt");
        }

        if (reader.Remaining < headerLength + incl)
        {
            return false;
        }

        reader.Advance(headerLength);
        long ts = (sec * 1_000_000_000L) + (state.Nanoseconds ? frac : frac * 1000L);
        Deliver(ref reader, (int)incl, (int)Math.Max(orig, incl), state.LinkType, ts, sink);
        state.Offset += headerLength + incl;
        return true;
    }

    private bool ReadPcapngBlock(ref SequenceReader<byte> reader, ref ParseState state, IPacketSink sink, scoped Span<byte> head)
    {
        if (!reader.TryCopyTo(head[..12]))
        {
            return false;
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(head); // SHB type is a palindrome
        if (type == CaptureFileMagic.PcapngSectionHeader)
        {
            uint bom = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
            if (bom == 0x1A2B3C4D)
            {
                state.BigEndian = false;
            }
            else if (bom == 0x4D3C2B1A)
            {
                state.BigEndian = true;
            }
            else
            {
                throw new CaptureException($"{Name}: pcapng section header at offset {state.Offset} has a bad byte-order magic");
            }

            state.InterfaceCount = 0;
        }
        else
        {
            type = Read32(head, state.BigEndian);
        }

        uint length = Read32(head[4..], state.BigEndian);
        if (length < 12 || (length & 3) != 0 || length > MaxBlockLength)
        {
            throw new CaptureException($"{Name}: pcapng block at offset {state.Offset} has a bad length ({length})");
        }

        if (reader.Remaining < length)
        {
            return false;
        }

        // The body is small for everything but packet blocks; packet blocks are delivered from the sequence.
        long blockStart = reader.Consumed;
        reader.Advance(8);
        int bodyLength = (int)length - 12;
        switch (type)
        {
            case 1: // Interface Description Block
                {
                    byte[] rented = ArrayPool<byte>.Shared.Rent(bodyLength);
                    try
                    {
                        var body = rented.AsSpan(0, bodyLength);
                        reader.TryCopyTo(body);
                        ParseInterface(body, ref state);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                    }

                    break;
                }

            case 6: // Enhanced Packet Block
            case 2: // obsolete Packet Block
                {
                    if (bodyLength < 20 || !reader.TryCopyTo(head[..20]))
                    {
                        throw new CaptureException($"{Name}: pcapng packet block at offset {state.Offset} is too short");
                    }

                    int iface = type == 6 ? (int)Read32(head, state.BigEndian) : Read16(head, state.BigEndian);
                    uint hi = Read32(head[4..], state.BigEndian);
                    uint lo = Read32(head[8..], state.BigEndian);
                    uint cap = Read32(head[12..], state.BigEndian);
                    uint orig = Read32(head[16..], state.BigEndian);
                    if (cap > bodyLength - 20 || cap > MaxRecordLength)
                    {
                        throw new CaptureException($"{Name}: pcapng packet block at offset {state.Offset} claims {cap} bytes in a {length}-byte block");
                    }

                    if ((uint)iface >= (uint)state.InterfaceCount)
                    {
                        throw new CaptureException($"{Name}: pcapng packet block at offset {state.Offset} names interface {iface}, which was not described");
                    }

                    reader.Advance(20);
                    long ts = TimestampNs(iface, ((ulong)hi << 32) | lo);
                    state.LastTimestampNs = ts;
                    Deliver(ref reader, (int)cap, (int)Math.Max(orig, cap), _ifLinkType[iface], ts, sink);
                    break;
                }

            case 3: // Simple Packet Block: interface 0, no timestamp
                {
                    if (bodyLength < 4 || !reader.TryCopyTo(head[..4]))
                    {
                        throw new CaptureException($"{Name}: pcapng simple packet block at offset {state.Offset} is too short");
                    }

                    if (state.InterfaceCount == 0)
                    {
                        throw new CaptureException($"{Name}: pcapng simple packet block at offset {state.Offset} before any interface");
                    }

                    uint orig = Read32(head, state.BigEndian);
                    int cap = (int)Math.Min(orig, (uint)(bodyLength - 4));
                    if (cap > MaxRecordLength)
                    {
                        throw new CaptureException($"{Name}: pcapng simple packet block at offset {state.Offset} claims {cap} bytes (limit {MaxRecordLength}); file is corrupt");
                    }

                    reader.Advance(4);
                    Deliver(ref reader, cap, (int)orig, _ifLinkType[0], state.LastTimestampNs, sink);
                    break;
                }
        }

        reader.Rewind(reader.Consumed - blockStart);
        reader.Advance(length);
        state.Offset += length;
        return true;
    }

    private void ParseInterface(ReadOnlySpan<byte> body, ref ParseState state)
    {
        if (state.InterfaceCount >= MaxInterfaces)
        {
            throw new CaptureException($"{Name}: more than {MaxInterfaces} interfaces in one pcapng section");
        }

        if (body.Length < 8)
        {
            throw new CaptureException($"{Name}: pcapng interface block at offset {state.Offset} is too short");
        }

        int i = state.InterfaceCount++;
        _ifLinkType[i] = Read16(body, state.BigEndian);
        _ifTsUnitsPerSecond[i] = 1_000_000;
        _ifTsPow2[i] = false;
        _ifTsOffsetSec[i] = 0;
        var options = body[8..];
        while (options.Length >= 4)
        {
            int code = Read16(options, state.BigEndian);
            int len = Read16(options[2..], state.BigEndian);
            if (code == 0 || options.Length < 4 + len)
            {
                break;
            }

            var value = options.Slice(4, len);
            if (code == 9 && len >= 1)
            {
                byte r = value[0];
                if ((r & 0x80) != 0)
                {
                    _ifTsPow2[i] = true;
                    _ifTsPow2Exp[i] = Math.Min(r & 0x7F, 62);
                }
                else
                {
                    long units = 1;
                    for (int k = 0; k < Math.Min((int)r, 18); k++)
                    {
                        units *= 10;
                    }

                    _ifTsUnitsPerSecond[i] = units;
                }
            }
            else if (code == 14 && len >= 8)
            {
                _ifTsOffsetSec[i] = (long)Read64(value, state.BigEndian);
            }

            options = options[Math.Min(options.Length, 4 + ((len + 3) & ~3))..];
        }
    }

    private long TimestampNs(int iface, ulong units)
    {
        long offsetNs = _ifTsOffsetSec[iface] * 1_000_000_000L;
        if (_ifTsPow2[iface])
        {
            UInt128 ns = ((UInt128)units * 1_000_000_000UL) >> _ifTsPow2Exp[iface];
            return (long)(ulong)ns + offsetNs;
        }

        long per = _ifTsUnitsPerSecond[iface];
        ulong sec = units / (ulong)per;
        ulong rem = units % (ulong)per;
        long frac = per >= 1_000_000_000L ? (long)(rem / (ulong)(per / 1_000_000_000L)) : (long)rem * (1_000_000_000L / per);
        return ((long)sec * 1_000_000_000L) + frac + offsetNs;
    }

    private byte[]? _scratch;

    private void Deliver(ref SequenceReader<byte> reader, int captured, int wire, int linkType, long ts, IPacketSink sink)
    {
        Statistics.PacketsRead++;
        Statistics.BytesRead += captured;
        ReadOnlySpan<byte> data;
        if (reader.UnreadSpan.Length >= captured)
        {
            data = reader.UnreadSpan[..captured];
        }
        else
        {
            _scratch ??= new byte[MaxRecordLength];
            reader.TryCopyTo(_scratch.AsSpan(0, captured));
            data = _scratch.AsSpan(0, captured);
        }

        if (!LinkType.IsSupported(linkType))
        {
            LinkTypes.Add(linkType);
        }

        sink.OnPacket(linkType, ts, data, wire);
        reader.Advance(captured);
    }

    private static uint Read32(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private static int Read16(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private static ulong Read64(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
}
