using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.ObjectPool;

namespace Sniffer.Capture;

/// <summary>Where one packet lies in a batch.</summary>
public struct PacketRecord
{
    public int Offset;
    public int CapturedLength;
    public int WireLength;
    public int LinkType;
    public long TimestampNs;
}

/// <summary>
/// A sink that takes whole batches which the source fills itself: a capture file is read straight into the
/// batch's buffer and its records are indexed where they lie, so each packet byte is copied once (by the read).
/// </summary>
public interface IBatchSink
{
    /// <summary>False when packets must go one by one through <see cref="IPacketSink"/> (several workers to
    /// shard over, an offline filter, live capture).</summary>
    bool AcceptsBatches { get; }

    PacketBatch RentBatch();

    /// <summary>Hands a filled batch to the worker (blocks while the worker is behind).</summary>
    void SubmitBatch(PacketBatch batch);

    /// <summary>Gives back a batch that was not filled.</summary>
    void ReturnBatch(PacketBatch batch);
}

/// <summary>
/// A pooled batch of captured packets copied into one contiguous buffer: the unit that moves through the
/// capture → worker channel. Pooled with Microsoft.Extensions.ObjectPool, so steady state allocates nothing.
/// The 1 MiB buffer and the record table live in native memory: as managed arrays they were large-object-heap
/// allocations, whose budget set off a full (gen 2) collection at start-up, and the GC has nothing to scan in them.
/// </summary>
public sealed unsafe class PacketBatch
{
    /// <summary>Bytes of packet data one batch holds.</summary>
    public const int DataCapacity = 1 << 20;
    /// <summary>Packets one batch holds.</summary>
    public const int MaxPackets = 4096;

    private readonly byte* _data = (byte*)NativeMemory.Alloc(DataCapacity);
    private readonly PacketRecord* _records = (PacketRecord*)NativeMemory.Alloc((nuint)(MaxPackets * sizeof(PacketRecord)));

    ~PacketBatch()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_records);
    }

    /// <summary>The packet bytes (<see cref="DataCapacity"/>).</summary>
    public Span<byte> Data => new(_data, DataCapacity);

    /// <summary>Where each packet lies (<see cref="MaxPackets"/> entries, <see cref="Count"/> used).</summary>
    public Span<PacketRecord> Records => new(_records, MaxPackets);
    public int Count;
    public int Used;

    /// <summary>Current time for idle expiry when the batch carries no packets (live capture ticks), else 0.</summary>
    public long TickNs;

    public bool HasRoomFor(int length) => Count < MaxPackets && Used + length <= DataCapacity;

    public void Add(int linkType, long timestampNs, ReadOnlySpan<byte> data, int wireLength)
    {
        ref var r = ref Records[Count++];
        r.Offset = Used;
        r.CapturedLength = data.Length;
        r.WireLength = wireLength;
        r.LinkType = linkType;
        r.TimestampNs = timestampNs;
        data.CopyTo(Data[Used..]);
        Used += data.Length;
    }

    /// <summary>Records a packet whose bytes are already in <see cref="Data"/> (a file read straight into the batch).</summary>
    public void AddInPlace(int offset, int capturedLength, int wireLength, int linkType, long timestampNs)
    {
        ref var r = ref Records[Count++];
        r.Offset = offset;
        r.CapturedLength = capturedLength;
        r.WireLength = wireLength;
        r.LinkType = linkType;
        r.TimestampNs = timestampNs;
        Used = offset + capturedLength;
    }

    public ReadOnlySpan<byte> Packet(in PacketRecord record) => Data.Slice(record.Offset, record.CapturedLength);

    /// <summary>How many packets ahead <see cref="Prefetch"/> is asked for while a batch is processed.</summary>
    public const int PrefetchDistance = 4;

    /// <summary>
    /// Asks the CPU to start loading the first two cache lines of packet <paramref name="index"/> (link, IP and
    /// transport headers). The capture thread wrote the batch on another core, so without this the worker stalls
    /// on the first header read of every packet (perf showed the decoder's first loads as its hottest spot).
    /// A hint only: nothing happens where the CPU has no prefetch instruction, or past the last packet.
    /// </summary>
    public void Prefetch(int index)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && (uint)index < (uint)Count)
        {
            byte* p = _data + _records[index].Offset;
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + 64);
        }
    }

    public void Clear()
    {
        Count = 0;
        Used = 0;
        TickNs = 0;
    }

    public static ObjectPool<PacketBatch> CreatePool(int maximumRetained) =>
        new DefaultObjectPool<PacketBatch>(new Policy(), maximumRetained);

    private sealed class Policy : PooledObjectPolicy<PacketBatch>
    {
        public override PacketBatch Create() => new();

        public override bool Return(PacketBatch obj)
        {
            obj.Clear();
            return true;
        }
    }
}
