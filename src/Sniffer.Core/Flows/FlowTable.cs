using Microsoft.Extensions.ObjectPool;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;

namespace Sniffer.Flows;

/// <summary>
/// The bidirectional flow table of one worker: a dictionary keyed by the canonical 5-tuple, flow objects from an
/// object pool, and per-transport idle lists in last-activity order for timeouts and eviction. Single-threaded.
/// </summary>
public sealed class FlowTable
{
    private readonly Dictionary<FlowKey, Flow> _flows;
    private readonly ObjectPool<Flow> _pool;
    /// <summary>TCP flows that carried payload (established conversations): the long idle timeout.</summary>
    private readonly FlowList _tcp = new();
    /// <summary>TCP flows without payload yet (handshakes, scans, SYN floods): the short idle timeout.</summary>
    private readonly FlowList _tcpNew = new();
    private readonly FlowList _udp = new();
    /// <summary>Flows that saw RST or both FINs: kept briefly to absorb trailing packets.</summary>
    private readonly FlowList _closing = new();

    public FlowTable(int initialCapacity = 1024)
    {
        _flows = new Dictionary<FlowKey, Flow>(initialCapacity);
        _pool = new DefaultObjectPool<Flow>(new FlowPolicy(), 4096);
    }

    public int Count => _flows.Count;

    public long Created { get; private set; }

    public bool TryGet(in FlowKey key, out Flow flow) => _flows.TryGetValue(key, out flow!);

    public Flow Add(in FlowKey key)
    {
        var flow = _pool.Get();
        flow.Key = key;
        _flows.Add(key, flow);
        Created++;
        return flow;
    }

    /// <summary>Marks activity: moves the flow to the tail of its idle list.</summary>
    public void Touch(Flow flow)
    {
        var list = flow.Closing ? _closing
            : flow.Transport == Transport.Udp ? _udp
            : flow.ClientSpokeFirst is null ? _tcpNew : _tcp;
        if (flow.List == list)
        {
            list.Touch(flow);
        }
        else
        {
            flow.List?.Remove(flow);
            list.AddLast(flow);
        }
    }

    /// <summary>Removes the flow from the table and returns it to the pool.</summary>
    public void Remove(Flow flow)
    {
        flow.List?.Remove(flow);
        _flows.Remove(flow.Key);
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
    public List<Flow> Snapshot() => [.. _flows.Values];

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
