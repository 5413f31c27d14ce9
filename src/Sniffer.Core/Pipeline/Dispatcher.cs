using System.Threading.Channels;
using Microsoft.Extensions.ObjectPool;
using Sniffer.Capture;
using Sniffer.Decoding;

namespace Sniffer.Pipeline;

/// <summary>
/// Runs on the capture thread: applies the offline BPF filter (files with <c>--filter</c>), copies packets into
/// pooled batches, and sends each batch to the worker that owns its flows (flow-hash sharding with several
/// workers). When a worker is behind, the capture thread waits: a file loses nothing, and live capture leaves
/// the burst in the kernel's capture buffer (<c>--buffer-size</c>), which drops — and counts, in libpcap's
/// statistics — only what does not fit. (Dropping whole batches here lost up to 4,096 packets at a time while
/// the kernel buffer still had room.)
/// </summary>
public sealed class Dispatcher : IPacketSink, IBatchSink
{
    /// <summary>Batches queued per worker: enough to keep the reader ahead of the worker; each queued batch is
    /// up to 1.1 MiB of resident memory, so no more (16 cost ≈ 13 MiB more per worker for no speed).</summary>
    public const int ChannelCapacity = 4;
    /// <summary>Live capture hands a partial batch over after this long, so records are not held back.</summary>
    public const long LiveFlushIntervalNs = 100_000_000;

    private readonly Channel<PacketBatch>[] _channels;
    private readonly PacketBatch?[] _current;
    private readonly ObjectPool<PacketBatch> _pool;
    private readonly bool _live;

    /// <summary>Longest a live batch waits for a worker before it is dropped (the kernel buffer absorbs the burst meanwhile).</summary>
    public const int LiveMaxWaitMs = 200;

    /// <summary>A live batch was dropped after waiting: the next ones do not wait until one goes through.</summary>
    private bool _stalled;
    private readonly BpfFilter? _filter;
    private readonly AnomalyCounters _shardAnomalies = new();
    private long _lastFlushNs;

    public Dispatcher(int workers, bool live, BpfFilter? filter, ObjectPool<PacketBatch> pool)
    {
        _live = live;
        _filter = filter;
        _pool = pool;
        _channels = new Channel<PacketBatch>[workers];
        _current = new PacketBatch?[workers];
        for (int i = 0; i < workers; i++)
        {
            _channels[i] = Channel.CreateBounded<PacketBatch>(new BoundedChannelOptions(ChannelCapacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
                // The threads block on these channels (no async code): wake the waiter directly from the other
                // side instead of through a thread-pool thread, which then spun (sched_yield) looking for work.
                AllowSynchronousContinuations = true,
            });
        }
    }

    public ChannelReader<PacketBatch> Reader(int worker) => _channels[worker].Reader;

    public long PacketsDropped { get; private set; }

    public long PacketsFilteredOut { get; private set; }

    public void OnPacket(int linkType, long timestampNs, ReadOnlySpan<byte> data, int wireLength)
    {
        if (_filter is not null && !_filter.Matches(linkType, data, wireLength))
        {
            PacketsFilteredOut++;
            return;
        }

        int shard = 0;
        if (_channels.Length > 1)
        {
            // By address pair, not 5-tuple: fragments (no ports) must meet their flow on one worker. The raw
            // headers give it for plain Ethernet/IP/TCP|UDP; anything else is decoded (once more, on this thread).
            if (ShardHash.TryCompute(linkType, data, out uint hash))
            {
                shard = (int)(hash % (uint)_channels.Length);
            }
            else
            {
                var packet = default(DecodedPacket);
                if (PacketDecoder.Decode(linkType, data, ref packet, _shardAnomalies) is DecodeStatus.Ok or DecodeStatus.Fragment)
                {
                    shard = (int)(packet.AddressPairHash() % (uint)_channels.Length);
                }
            }
        }

        var batch = _current[shard];
        if (batch is not null && !batch.HasRoomFor(data.Length))
        {
            Send(shard);
            batch = null;
        }

        if (batch is null)
        {
            batch = _pool.Get();
            _current[shard] = batch;
        }

        batch.Add(linkType, timestampNs, data, wireLength);
        if (_live && timestampNs - _lastFlushNs >= LiveFlushIntervalNs)
        {
            _lastFlushNs = timestampNs;
            FlushAll(0);
        }
    }

    /// <summary>One worker, no filter, a file: the reader may fill batches itself (each byte copied once).</summary>
    public bool AcceptsBatches => _channels.Length == 1 && _filter is null && !_live;

    public PacketBatch RentBatch() => _pool.Get();

    public void ReturnBatch(PacketBatch batch) => _pool.Return(batch);

    public void SubmitBatch(PacketBatch batch)
    {
        if (_current[0] is { Count: > 0 })
        {
            Send(0); // keep packet order
        }
        else if (_current[0] is { } empty)
        {
            _current[0] = null;
            _pool.Return(empty);
        }

        _current[0] = batch;
        Send(0);
    }

    public void OnIdle(long nowNs)
    {
        _lastFlushNs = nowNs;
        FlushAll(nowNs);
    }

    /// <summary>Sends every partial batch (with a clock tick for idle expiry when <paramref name="tickNs"/> ≠ 0).</summary>
    public void FlushAll(long tickNs)
    {
        for (int i = 0; i < _channels.Length; i++)
        {
            if (_current[i] is null)
            {
                if (tickNs == 0)
                {
                    continue;
                }

                _current[i] = _pool.Get();
            }

            _current[i]!.TickNs = tickNs;
            Send(i);
        }
    }

    public void Complete()
    {
        FlushAll(0);
        foreach (var c in _channels)
        {
            c.Writer.TryComplete();
        }
    }

    private void Send(int shard)
    {
        var batch = _current[shard]!;
        _current[shard] = null;
        var writer = _channels[shard].Writer;
        if (writer.TryWrite(batch))
        {
            _stalled = false;
            return;
        }

        if (_live)
        {
            // A burst: wait a little for the worker while the kernel buffer keeps capturing. A stall (the output's
            // reader is slow or gone): drop and count rather than hold the capture — and, once stalled, drop at once
            // until a batch goes through again.
            long deadline = Environment.TickCount64 + LiveMaxWaitMs;
            while (!_stalled && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(1);
                if (writer.TryWrite(batch))
                {
                    return;
                }
            }

            _stalled = true;
            PacketsDropped += batch.Count;
            _pool.Return(batch);
            return;
        }

        while (!writer.TryWrite(batch))
        {
            if (!writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                _pool.Return(batch);
                return;
            }
        }
    }
}
