using System.Buffers;
using System.Runtime.CompilerServices;
using Sniffer.Decoding;

namespace Sniffer.Flows;

/// <summary>Result of handing one segment to the reassembler.</summary>
public enum SegmentResult : byte
{
    /// <summary>Nothing new became available in order.</summary>
    NoProgress,
    /// <summary>The in-order prefix grew.</summary>
    Progress,
}

/// <summary>
/// One direction's TCP byte stream, reassembled in order over a bounded inspection window (the first
/// <c>capacity</c> bytes of the stream, which is all identification needs). Segments are placed by sequence
/// number, so reordered, duplicated and overlapping segments give the same bytes; overlaps keep the bytes that
/// arrived first (first-wins, like most IDSs) and count a conflict when the new bytes differ. Sequence numbers
/// wrap by 32-bit arithmetic. A hole that the peer has acknowledged (or that cannot be filled any more) is a gap:
/// the stream stops there and <see cref="HasGap"/> is set, instead of splicing bytes across it.
/// </summary>
public struct StreamReassembler
{
    /// <summary>Out-of-order byte ranges held beyond the in-order prefix before a gap is declared.</summary>
    public const int MaxHeldRanges = 8;

    private byte[]? _buffer;
    private ReassemblyMemory? _memory;
    private int _capacity;
    private uint _baseSeq;
    private bool _hasBase;
    private int _contiguous;
    private HeldRanges _held;
    private int _heldCount;

    /// <summary>The in-order bytes so far (at most the window).</summary>
    public readonly ReadOnlySpan<byte> Contiguous => _buffer is null ? default : _buffer.AsSpan(0, _contiguous);

    public readonly int ContiguousLength => _contiguous;

    public bool HasGap { get; private set; }

    /// <summary>The stream reached the end of the inspection window.</summary>
    public readonly bool IsFull => _hasBase && _contiguous >= _capacity;

    /// <summary>No further in-order bytes can appear (gap, window full, or FIN reached).</summary>
    public bool IsComplete { get; private set; }

    public readonly bool HasBase => _hasBase;

    /// <summary>Sets the stream's first sequence number (ISN + 1 from a SYN).</summary>
    public void SetBase(uint firstSequence)
    {
        if (!_hasBase)
        {
            _baseSeq = firstSequence;
            _hasBase = true;
        }
    }

    /// <summary>Adds one segment's payload at its sequence number.</summary>
    public SegmentResult Add(uint sequence, ReadOnlySpan<byte> payload, int capacity, AnomalyCounters anomalies, ReassemblyMemory? memory = null)
    {
        if (IsComplete || payload.IsEmpty)
        {
            return SegmentResult.NoProgress;
        }

        if (!_hasBase)
        {
            _baseSeq = sequence; // mid-stream pickup: the stream starts at the first data seen
            _hasBase = true;
        }

        if (_buffer is null)
        {
            if (memory is not null && !memory.TryReserve(capacity))
            {
                anomalies.Increment(Anomaly.ReassemblyMemcap);
                IsComplete = true;
                return SegmentResult.NoProgress;
            }

            _memory = memory;
            _capacity = capacity;
            _buffer = ReassemblyBufferPool.Rent(capacity);
        }

        long start = (int)(sequence - _baseSeq); // signed distance: handles wrap-around
        long end = start + payload.Length;
        if (end <= 0)
        {
            return SegmentResult.NoProgress; // entirely before the stream start (old retransmission)
        }

        if (start < 0)
        {
            payload = payload[(int)-start..];
            start = 0;
        }

        if (start >= _capacity)
        {
            anomalies.Increment(Anomaly.TcpOutOfWindow);
            if (_contiguous < _capacity && start > _contiguous)
            {
                // Data beyond the window while the window still has a hole: that hole will not be filled
                // in time to matter for identification.
                DeclareGap(anomalies);
            }

            return SegmentResult.NoProgress;
        }

        if (end > _capacity)
        {
            payload = payload[..(int)(_capacity - start)];
            end = _capacity;
        }

        int s = (int)start;
        int e = (int)end;
        int before = _contiguous;

        // First-wins: copy only the parts not already filled (the prefix [0, _contiguous) and the held ranges).
        CopyUnfilled(s, e, payload, anomalies);
        if (s > _contiguous)
        {
            if (!AddHeld(s, e))
            {
                DeclareGap(anomalies);
                return SegmentResult.NoProgress;
            }
        }
        else if (e > _contiguous)
        {
            _contiguous = e;
        }

        MergeHeld();
        if (_contiguous >= _capacity)
        {
            IsComplete = true;
        }

        return _contiguous > before ? SegmentResult.Progress : SegmentResult.NoProgress;
    }

    /// <summary>
    /// The peer acknowledged up to <paramref name="ackedSequence"/>: if that is beyond the in-order prefix
    /// while a hole is open, the hole's bytes were on the wire but not captured — a gap.
    /// </summary>
    public void OnPeerAck(uint ackedSequence, AnomalyCounters anomalies)
    {
        if (!_hasBase || IsComplete || _heldCount == 0)
        {
            return;
        }

        long acked = (int)(ackedSequence - _baseSeq);
        if (acked > _contiguous)
        {
            DeclareGap(anomalies);
        }
    }

    /// <summary>No more bytes will come (FIN, RST, or the flow ended).</summary>
    public void Finish(AnomalyCounters anomalies)
    {
        if (_heldCount > 0 && !IsComplete)
        {
            DeclareGap(anomalies);
        }

        IsComplete = true;
    }

    /// <summary>Returns the pooled buffer; the reassembler is then empty and complete.</summary>
    public void Release()
    {
        if (_buffer is not null)
        {
            ReassemblyBufferPool.Return(_buffer);
            _buffer = null;
            _memory?.Release(_capacity);
            _memory = null;
        }

        _contiguous = 0;
        _heldCount = 0;
        IsComplete = true;
    }

    private void DeclareGap(AnomalyCounters anomalies)
    {
        if (!HasGap)
        {
            anomalies.Increment(Anomaly.TcpReassemblyGap);
        }

        HasGap = true;
        IsComplete = true;
        _heldCount = 0;
    }

    private void CopyUnfilled(int s, int e, ReadOnlySpan<byte> payload, AnomalyCounters anomalies)
    {
        // Walk [s, e) and copy the sub-ranges not covered by [0, contiguous) or held ranges.
        int pos = s;
        Span<byte> buffer = _buffer!;
        while (pos < e)
        {
            int coveredEnd = CoveredEnd(pos);
            if (coveredEnd > pos)
            {
                int overlapEnd = Math.Min(coveredEnd, e);
                if (!buffer[pos..overlapEnd].SequenceEqual(payload.Slice(pos - s, overlapEnd - pos)))
                {
                    anomalies.Increment(Anomaly.TcpReassemblyOverlapConflict);
                }

                pos = overlapEnd;
                continue;
            }

            int nextStart = NextCoveredStart(pos, e);
            payload.Slice(pos - s, nextStart - pos).CopyTo(buffer[pos..]);
            pos = nextStart;
        }
    }

    /// <summary>If <paramref name="pos"/> is inside a filled range, the end of that range; else pos.</summary>
    private readonly int CoveredEnd(int pos)
    {
        if (pos < _contiguous)
        {
            return _contiguous;
        }

        for (int i = 0; i < _heldCount; i++)
        {
            if (pos >= _held[i].Start && pos < _held[i].End)
            {
                return _held[i].End;
            }
        }

        return pos;
    }

    private readonly int NextCoveredStart(int pos, int limit)
    {
        int next = limit;
        for (int i = 0; i < _heldCount; i++)
        {
            if (_held[i].Start > pos && _held[i].Start < next)
            {
                next = _held[i].Start;
            }
        }

        return next;
    }

    private bool AddHeld(int s, int e)
    {
        // Merge with an overlapping/adjacent range when possible.
        for (int i = 0; i < _heldCount; i++)
        {
            if (s <= _held[i].End && e >= _held[i].Start)
            {
                _held[i] = new Range32(Math.Min(s, _held[i].Start), Math.Max(e, _held[i].End));
                return true;
            }
        }

        if (_heldCount >= MaxHeldRanges)
        {
            return false;
        }

        _held[_heldCount++] = new Range32(s, e);
        return true;
    }

    private void MergeHeld()
    {
        bool merged = true;
        while (merged && _heldCount > 0)
        {
            merged = false;
            for (int i = 0; i < _heldCount; i++)
            {
                if (_held[i].Start <= _contiguous)
                {
                    _contiguous = Math.Max(_contiguous, _held[i].End);
                    _held[i] = _held[--_heldCount];
                    merged = true;
                    break;
                }
            }
        }
    }

    private readonly record struct Range32(int Start, int End);

    [InlineArray(MaxHeldRanges)]
    private struct HeldRanges
    {
        private Range32 _element;
    }
}
