using Microsoft.Extensions.ObjectPool;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;

namespace Sniffer.Flows;

/// <summary>
/// The bidirectional flow table of one worker: a hash table keyed by the canonical 5-tuple, flow objects from an
/// object pool, and per-transport idle lists in last-activity order for timeouts and eviction. Single-threaded.
/// The hash table is intrusive (a power-of-two array of chains linked through <see cref="Flow.HashNext"/>): the
/// key lives once, in the flow, and a flow costs one 8-byte bucket slot plus its link — a
/// <c>Dictionary&lt;FlowKey, Flow&gt;</c> entry would hold a second copy of the 40-byte key.
/// </summary>
public sealed class FlowTable
{
    private Flow?[] _buckets;
    private int _count;
    private readonly ObjectPool<Flow> _pool;
    /// <summary>TCP flows that carried payload (established conversations): the long idle timeout.</summary>
    private readonly FlowList _tcp = new(1);
    private readonly FlowList _udp = new(2);
    /// <summary>TCP flows without payload yet (handshakes, scans, SYN floods): the short idle timeout.</summary>
    private readonly FlowList _tcpNew = new(4);
    /// <summary>Flows that saw RST or both FINs: kept briefly to absorb trailing packets.</summary>
    private readonly FlowList _closing = new(3);

    public FlowTable(int initialCapacity = 1024)
    {
        _buckets = new Flow?[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity))];
        _pool = new DefaultObjectPool<Flow>(new FlowPolicy(), 4096);
    }

    public int Count => _count;

    public long Created { get; private set; }

    public bool TryGet(in FlowKey key, out Flow flow)
    {
        var f = _buckets[(int)(key.StableHash() & (uint)(_buckets.Length - 1))];
        while (f is not null)
        {
            if (f.Key.Equals(key))
            {
                flow = f;
                return true;
            }

            f = f.HashNext;
        }

        flow = null!;
        return false;
    }

    /// <summary>Takes a flow from the pool and enters it under <paramref name="key"/> (which must not be present).</summary>
    public Flow Add(in FlowKey key)
    {
        var flow = _pool.Get();
        flow.Key = key;
        if (_count >= _buckets.Length)
        {
            Grow();
        }

        ref var bucket = ref _buckets[(int)(key.StableHash() & (uint)(_buckets.Length - 1))];
        flow.HashNext = bucket;
        bucket = flow;
        _count++;
        Created++;
        return flow;
    }

    private void Grow()
    {
        var old = _buckets;
        var buckets = new Flow?[old.Length * 2];
        foreach (var head in old)
        {
            var f = head;
            while (f is not null)
            {
                var next = f.HashNext;
                ref var bucket = ref buckets[(int)(f.Key.StableHash() & (uint)(buckets.Length - 1))];
                f.HashNext = bucket;
                bucket = f;
                f = next;
            }
        }

        _buckets = buckets;
    }

    private void Unlink(Flow flow)
    {
        ref var link = ref _buckets[(int)(flow.Key.StableHash() & (uint)(_buckets.Length - 1))];
        while (link is not null)
        {
            if (ReferenceEquals(link, flow))
            {
                link = flow.HashNext;
                flow.HashNext = null;
                _count--;
                return;
            }

            link = ref link.HashNext;
        }
    }

    /// <summary>Marks activity: moves the flow to the tail of its idle list.</summary>
    public void Touch(Flow flow)
    {
        var list = flow.Closing ? _closing
            : flow.Transport == Transport.Udp ? _udp
            : flow.ClientSpokeFirst is null ? _tcpNew : _tcp;
        if (flow.ListId == list.Id)
        {
            list.Touch(flow);
        }
        else
        {
            ListOf(flow)?.Remove(flow);
            list.AddLast(flow);
        }
    }

    private FlowList? ListOf(Flow flow) => flow.ListId switch
    {
        1 => _tcp,
        2 => _udp,
        3 => _closing,
        4 => _tcpNew,
        _ => null,
    };

    /// <summary>Removes the flow from the table and returns it to the pool.</summary>
    public void Remove(Flow flow)
    {
        ListOf(flow)?.Remove(flow);
        Unlink(flow);
        _pool.Return(flow);
    }

    /// <summary>The least recently active flow of a list whose idle time exceeds its timeout, if any.</summary>
    public Flow? NextExpired(long nowNs, long tcpTimeoutNs, long tcpNewTimeoutNs, long udpTimeoutNs, long closingLingerNs)
    {
        if (_closing.Head is { } c && nowNs - c.LastNs >= closingLingerNs)
        {
            return c;
        }

        if (_tcpNew.Head is { } n && nowNs - n.LastNs >= tcpNewTimeoutNs)
        {
            return n;
        }

        if (_tcp.Head is { } t && nowNs - t.LastNs >= tcpTimeoutNs)
        {
            return t;
        }

        if (_udp.Head is { } u && nowNs - u.LastNs >= udpTimeoutNs)
        {
            return u;
        }

        return null;
    }

    /// <summary>The oldest idle flow across all lists (for eviction when the table is full).</summary>
    public Flow? Oldest()
    {
        Flow? best = _closing.Head;
        best = Older(best, _tcpNew.Head);
        best = Older(best, _tcp.Head);
        return Older(best, _udp.Head);
    }

    private static Flow? Older(Flow? a, Flow? b) => a is null || (b is not null && b.LastNs < a.LastNs) ? b : a;

    /// <summary>Every flow currently in the table (for the final flush).</summary>
    public List<Flow> Snapshot()
    {
        var all = new List<Flow>(_count);
        foreach (var head in _buckets)
        {
            for (var f = head; f is not null; f = f.HashNext)
            {
                all.Add(f);
            }
        }

        return all;
    }

    private sealed class FlowPolicy : PooledObjectPolicy<Flow>
    {
        public override Flow Create() => new();

        public override bool Return(Flow obj)
        {
            obj.Reset();
            return true;
        }
    }
}
