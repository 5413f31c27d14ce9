using System.Buffers;
using System.Buffers.Binary;

namespace Sniffer.Decoding;

/// <summary>
/// IPv4 and IPv6 fragment reassembly, bounded: per-datagram size (<see cref="MaxDatagramBytes"/>), fragments
/// per datagram, datagrams held, total memory (<see cref="MemoryLimitBytes"/>) and a timeout. Overlaps follow
/// one policy, first-wins (the bytes that arrived first are kept; a differing overlap is counted), as for TCP.
/// A complete datagram is rebuilt as a plain IP packet (fragment fields cleared) and handed back to be decoded
/// like any packet. A datagram whose first fragment arrived but which never completed is still handed back at
/// expiry, cut after its first contiguous bytes, so the flow (and often its protocol) is not lost.
/// </summary>
public sealed class IpDefragmenter
{
    /// <summary>Largest reassembled IP payload.</summary>
    public const int MaxDatagramBytes = 65_535;
    /// <summary>Fragments accepted per datagram (more is an attack, not a network).</summary>
    public const int MaxFragmentsPerDatagram = 64;
    /// <summary>Datagrams under reassembly at once.</summary>
    public const int MaxDatagrams = 4096;
    /// <summary>Default cap on bytes held for reassembly.</summary>
    public const long DefaultMemoryLimitBytes = 32L * 1024 * 1024;
    /// <summary>Default time a datagram may take to complete (Linux uses 30 s).</summary>
    public const long DefaultTimeoutNs = 30_000_000_000L;

    private readonly Dictionary<Key, Datagram> _datagrams = [];
    private readonly LinkedList<Datagram> _byAge = new();
    private readonly AnomalyCounters _anomalies;
    private long _memory;

    public IpDefragmenter(AnomalyCounters anomalies, long memoryLimitBytes = DefaultMemoryLimitBytes, long timeoutNs = DefaultTimeoutNs)
    {
        _anomalies = anomalies;
        MemoryLimitBytes = memoryLimitBytes;
        TimeoutNs = timeoutNs;
    }

    public long MemoryLimitBytes { get; }
    public long TimeoutNs { get; }
    public int Pending => _datagrams.Count;
    public long MemoryInUse => _memory;

    private readonly record struct Key(IpAddr Source, IpAddr Destination, uint Id, byte Protocol, byte Version, ushort VlanId);

    private sealed class Datagram
    {
        public Key Key;
        public byte[] Buffer = [];
        public byte[] Header = new byte[60];
        public int HeaderLength;
        public int TotalLength = -1; // known once the last fragment arrived
        public readonly List<(int Start, int End)> Ranges = [];
        public int Fragments;
        public long FirstNs;
        public TunnelType Tunnel;
        public uint TunnelId;
        public LinkedListNode<Datagram>? Node;
    }

    /// <summary>A reassembled (or, at expiry, partial) IP packet to decode; return it with <see cref="Return"/>.</summary>
    public readonly record struct Reassembled(byte[] Buffer, int Length, ushort VlanId, TunnelType Tunnel, uint TunnelId)
    {
        public ReadOnlySpan<byte> Packet => Buffer.AsSpan(0, Length);
    }

    public static void Return(in Reassembled r) => ArrayPool<byte>.Shared.Return(r.Buffer);

    /// <summary>Adds one fragment; returns true with the rebuilt packet when its datagram is complete.</summary>
    public bool Add(in DecodedPacket packet, ReadOnlySpan<byte> frame, long nowNs, out Reassembled result)
    {
        result = default;
        ref readonly var f = ref packet.Fragment;
        var key = new Key(packet.Source, packet.Destination, f.Identification, f.Protocol, f.Version, packet.VlanId);
        int start = f.Offset;
        int end = f.Offset + f.DataLength;
        if (end > MaxDatagramBytes || f.DataLength < 0)
        {
            _anomalies.Increment(Anomaly.FragmentTooLarge);
            return false;
        }

        if (!_datagrams.TryGetValue(key, out var d))
        {
            if (_datagrams.Count >= MaxDatagrams)
            {
                _anomalies.Increment(Anomaly.FragmentMemoryExceeded);
                return false;
            }

            d = new Datagram { Key = key, FirstNs = nowNs, Tunnel = packet.Tunnel, TunnelId = packet.TunnelId };
            _datagrams.Add(key, d);
            d.Node = _byAge.AddLast(d);
        }

        if (++d.Fragments > MaxFragmentsPerDatagram)
        {
            _anomalies.Increment(Anomaly.FragmentTooLarge);
            Drop(d);
            return false;
        }

        if (f.Offset == 0)
        {
            d.HeaderLength = Math.Min(f.HeaderLength, d.Header.Length);
            frame.Slice(f.HeaderOffset, d.HeaderLength).CopyTo(d.Header);
        }

        if (!f.More)
        {
            if (d.TotalLength >= 0 && d.TotalLength != end)
            {
                _anomalies.Increment(Anomaly.FragmentOverlapConflict);
            }

            d.TotalLength = Math.Max(d.TotalLength, end);
        }

        if (end > start)
        {
            if (end > d.Buffer.Length && !Grow(d, end))
            {
                return false;
            }

            var data = frame.Slice(f.DataOffset, f.DataLength);
            CopyFirstWins(d, start, end, data);
        }

        if (d.TotalLength >= 0 && d.HeaderLength > 0 && Covered(d) >= d.TotalLength)
        {
            result = Build(d, d.TotalLength);
            Drop(d);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Expires datagrams older than the timeout. A datagram with its first fragment is handed back partial once
    /// (its in-order prefix); the caller decodes it and calls again until this returns false.
    /// </summary>
    public bool Expire(long nowNs, out Reassembled partial, bool all = false)
    {
        while (_byAge.First is { } node && (all || nowNs - node.Value.FirstNs >= TimeoutNs))
        {
            var d = node.Value;
            _anomalies.Increment(Anomaly.FragmentTimeout);
            int prefix = Covered(d);
            if (d.HeaderLength > 0 && prefix > 0)
            {
                partial = Build(d, prefix);
                Drop(d);
                return true;
            }

            Drop(d);
        }

        partial = default;
        return false;
    }

    private bool Grow(Datagram d, int needed)
    {
        int size = Math.Min(MaxDatagramBytes, Math.Max(needed, Math.Max(2048, d.Buffer.Length * 2)));
        if (_memory - d.Buffer.Length + size > MemoryLimitBytes)
        {
            _anomalies.Increment(Anomaly.FragmentMemoryExceeded);
            Drop(d);
            return false;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(size);
        d.Buffer.AsSpan().CopyTo(bigger);
        if (d.Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(d.Buffer);
        }

        _memory += bigger.Length - d.Buffer.Length;
        d.Buffer = bigger;
        return true;
    }

    private void CopyFirstWins(Datagram d, int start, int end, ReadOnlySpan<byte> data)
    {
        int pos = start;
        while (pos < end)
        {
            int coveredEnd = pos;
            int nextStart = end;
            foreach (var (s, e) in d.Ranges)
            {
                if (pos >= s && pos < e)
                {
                    coveredEnd = Math.Max(coveredEnd, e);
                }
                else if (s > pos && s < nextStart)
                {
                    nextStart = s;
                }
            }

            if (coveredEnd > pos)
            {
                int overlapEnd = Math.Min(coveredEnd, end);
                if (!d.Buffer.AsSpan(pos, overlapEnd - pos).SequenceEqual(data.Slice(pos - start, overlapEnd - pos)))
                {
                    _anomalies.Increment(Anomaly.FragmentOverlapConflict);
                }

                pos = overlapEnd;
                continue;
            }

            data.Slice(pos - start, nextStart - pos).CopyTo(d.Buffer.AsSpan(pos));
            pos = nextStart;
        }

        // Merge the new range into the sorted, disjoint list.
        d.Ranges.Add((start, end));
        d.Ranges.Sort();
        for (int i = d.Ranges.Count - 1; i > 0; i--)
        {
            if (d.Ranges[i].Start <= d.Ranges[i - 1].End)
            {
                d.Ranges[i - 1] = (d.Ranges[i - 1].Start, Math.Max(d.Ranges[i - 1].End, d.Ranges[i].End));
                d.Ranges.RemoveAt(i);
            }
        }
    }

    /// <summary>Length of the contiguous data from offset 0.</summary>
    private static int Covered(Datagram d) => d.Ranges.Count > 0 && d.Ranges[0].Start == 0 ? d.Ranges[0].End : 0;

    private static Reassembled Build(Datagram d, int dataLength)
    {
        int h = d.HeaderLength;
        var buffer = ArrayPool<byte>.Shared.Rent(h + dataLength);
        d.Header.AsSpan(0, h).CopyTo(buffer);
        d.Buffer.AsSpan(0, dataLength).CopyTo(buffer.AsSpan(h));
        if (d.Key.Version == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)Math.Min(ushort.MaxValue, h + dataLength));
            buffer[6] &= 0x40; // keep DF, clear MF and the offset
            buffer[7] = 0;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(4), (ushort)Math.Min(ushort.MaxValue, dataLength));
            buffer[6] = d.Key.Protocol; // the fragment header's next header; extension headers before it are dropped
        }

        return new Reassembled(buffer, h + dataLength, d.Key.VlanId, d.Tunnel, d.TunnelId);
    }

    private void Drop(Datagram d)
    {
        _datagrams.Remove(d.Key);
        if (d.Node is not null)
        {
            _byAge.Remove(d.Node);
            d.Node = null;
        }

        if (d.Buffer.Length > 0)
        {
            _memory -= d.Buffer.Length;
            ArrayPool<byte>.Shared.Return(d.Buffer);
            d.Buffer = [];
        }
    }
}
