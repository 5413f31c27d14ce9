using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;
using Sniffer.Flows;
using Sniffer.Output;

namespace Sniffer.Pipeline;

/// <summary>Per-worker counters, merged at exit.</summary>
public sealed class ProcessorStatistics
{
    public long Packets;
    public long Decoded;
    public long NotWatched;
    public long Skipped;
    public long Malformed;
    public long Fragments;
    public long Reassembled;
    public long UnsupportedLinkType;
    public long FlowsCreated;
    public long FlowsEvicted;
    public long RecordsWritten;
    /// <summary>Packets of a flow that had already ended (absorbed by its tombstone).</summary>
    public long AfterClose;
    public readonly AnomalyCounters Anomalies = new();

    public void AddTo(ProcessorStatistics total)
    {
        total.Packets += Packets;
        total.Decoded += Decoded;
        total.NotWatched += NotWatched;
        total.Skipped += Skipped;
        total.Malformed += Malformed;
        total.Fragments += Fragments;
        total.Reassembled += Reassembled;
        total.UnsupportedLinkType += UnsupportedLinkType;
        total.FlowsCreated += FlowsCreated;
        total.FlowsEvicted += FlowsEvicted;
        total.RecordsWritten += RecordsWritten;
        total.AfterClose += AfterClose;
        Anomalies.AddTo(total.Anomalies);
    }
}

/// <summary>
/// One worker's packet path: decode → watched-port rule → flow lookup → reassembly → identification → records.
/// Single-threaded; allocation-free per packet in steady state (flows and buffers are pooled).
/// </summary>
public sealed class PacketProcessor : IDisposable
{
    private readonly SnifferOptions _options;
    private readonly bool[] _watched = new bool[65536];
    private readonly FlowTable _table = new();
    private readonly ProtocolDetector _detector;
    private readonly FlowRecordWriter _records;
    private readonly PooledBufferWriter _output;
    /// <summary>Newest packet timestamp seen (the clock may be ahead of it through idle ticks).</summary>
    private long _lastPacketNs;
    private readonly long _tcpTimeoutNs;
    private readonly long _tcpNewTimeoutNs;
    private readonly long _udpTimeoutNs;
    /// <summary>Datagrams of an identified flow still looked at (STUN → DTLS switch, a QUIC hello's tail).</summary>
    private readonly int _lateDatagramLimit;
    private readonly long _closingNs = SnifferOptions.ClosingLingerSeconds * 1_000_000_000L;
    private long _nowNs = long.MinValue;
    private long _lastExpiryNs;

    /// <summary>Output held by a worker before it is handed to the output thread mid-batch.</summary>
    public const int MaxPendingOutputBytes = 1 << 20;

    private readonly PortSummary.Shard? _summary;
    private readonly IpDefragmenter _defragmenter;
    private readonly ReassemblyMemory _reassemblyMemory;
    /// <summary>Process attribution (null when off: then it costs nothing).</summary>
    private readonly Attribution.ProcessResolver? _processes;
    /// <summary>What is left of this batch's wait for look-ups (<see cref="Attribution.ProcessResolver.MaxWaitPerBatchMs"/>).</summary>
    private long _processWaitBudget;

    public PacketProcessor(SnifferOptions options, IChunkSink sink, PortSummary? summary = null, Attribution.ProcessResolver? processes = null)
    {
        _processes = processes;
        _processWaitBudget = Attribution.ProcessResolver.WaitBudgetTicks;
        _summary = summary?.CreateShard(); // this worker's own counts, merged when the summary is written
        _defragmenter = new IpDefragmenter(Statistics.Anomalies, options.FragmentMemcapBytes);
        _reassemblyMemory = new ReassemblyMemory(options.ReassemblyMemcapBytes);
        _options = options;
        foreach (ushort p in options.Ports)
        {
            _watched[p] = true;
        }

        _detector = new ProtocolDetector(options.Inspection, anomalies: Statistics.Anomalies);
        _output = new PooledBufferWriter(sink);
        _records = new FlowRecordWriter(_output, _detector) { Observer = options.Observer };
        _tcpTimeoutNs = options.TcpTimeoutSeconds * 1_000_000_000L;
        _tcpNewTimeoutNs = options.TcpNewTimeoutSeconds * 1_000_000_000L;
        _udpTimeoutNs = options.UdpTimeoutSeconds * 1_000_000_000L;
        _lateDatagramLimit = options.Inspection.MaxPackets * InspectionLimits.ExtractionPacketFactor;
    }

    public ProcessorStatistics Statistics { get; } = new();

    public int ActiveFlows => _table.Count;

    /// <summary>The worker's packet clock (latest packet time, Unix ns); long.MinValue before the first packet.</summary>
    public long ClockNs => Volatile.Read(ref _nowNs);

    public ProtocolDetector Detector => _detector;

    /// <summary>Bytes held for stream reassembly now.</summary>
    public long ReassemblyBytes => _reassemblyMemory.InUse;

    /// <summary>Processes a whole batch, then hands the records it produced to the output.</summary>
    public void Process(PacketBatch batch)
    {
        if (_processes is not null)
        {
            _processWaitBudget = Attribution.ProcessResolver.WaitBudgetTicks;
        }

        for (int i = 0; i < PacketBatch.PrefetchDistance; i++)
        {
            batch.Prefetch(i);
        }

        for (int i = 0; i < batch.Count; i++)
        {
            batch.Prefetch(i + PacketBatch.PrefetchDistance);
            ref readonly var r = ref batch.Records[i];
            ProcessPacket(r.LinkType, r.TimestampNs, batch.Packet(r));
        }

        if (batch.TickNs != 0)
        {
            AdvanceClock(batch.TickNs, tick: true);
        }

        _output.Flush();
    }

    public void ProcessPacket(int linkType, long timestampNs, ReadOnlySpan<byte> frame)
    {
        var stats = Statistics;
        stats.Packets++;
        stats.Anomalies.TakeRaised(); // what is counted from here on belongs to this packet (sniffer.anomalies)
        var packet = default(DecodedPacket);
        var status = PacketDecoder.Decode(linkType, frame, ref packet, stats.Anomalies);
        if (status == DecodeStatus.Fragment)
        {
            Defragment(packet, frame, timestampNs);
            return;
        }

        ProcessDecoded(status, ref packet, frame, timestampNs);
    }

    /// <param name="depth">How many rebuilt datagrams this fragment is nested in (0: it came in a frame).</param>
    private void Defragment(in DecodedPacket fragment, ReadOnlySpan<byte> frame, long timestampNs, int depth = 0)
    {
        Statistics.Fragments++;
        ulong fragmentAnomalies = Statistics.Anomalies.TakeRaised(); // kept for the datagram's flow, not the flows AdvanceClock ends
        AdvanceClock(timestampNs);
        if (_defragmenter.Add(fragment, frame, timestampNs, out var whole))
        {
            Statistics.Anomalies.Raise(fragmentAnomalies);
            ProcessReassembled(whole, timestampNs, depth);
        }
    }

    /// <summary>Decodes a rebuilt datagram as raw IP, keeping the VLAN and tunnel its fragments came in.</summary>
    private void ProcessReassembled(in IpDefragmenter.Reassembled whole, long timestampNs, int depth = 0)
    {
        try
        {
            Statistics.Reassembled++;
            var packet = default(DecodedPacket);
            var status = PacketDecoder.Decode(LinkType.Raw, whole.Packet, ref packet, Statistics.Anomalies);
            if (packet.Tunnel == TunnelType.None)
            {
                packet.Tunnel = whole.Tunnel;
                packet.TunnelId = whole.TunnelId;
            }

            packet.VlanId = whole.VlanId;
            if (status == DecodeStatus.Fragment)
            {
                // Fragments inside a tunnel inside fragments, nested as deep as tunnels may be: without a bound,
                // one 64 KiB datagram of stacked atomic IPv6 fragment headers rebuilds itself 8000 times.
                if (depth >= PacketDecoder.MaxIpNesting)
                {
                    Statistics.Anomalies.Increment(Anomaly.TunnelTooDeep);
                    Statistics.Malformed++;
                    return;
                }

                Defragment(packet, whole.Packet, timestampNs, depth + 1);
                return;
            }

            ProcessDecoded(status, ref packet, whole.Packet, timestampNs);
        }
        finally
        {
            IpDefragmenter.Return(whole);
        }
    }

    private void ProcessDecoded(DecodeStatus status, ref DecodedPacket packet, ReadOnlySpan<byte> frame, long timestampNs)
    {
        var stats = Statistics;
        ulong packetAnomalies = stats.Anomalies.TakeRaised(); // decoding this packet (and its fragments), for its flow
        switch (status)
        {
            case DecodeStatus.Ok:
                break;
            case DecodeStatus.Skipped:
                stats.Skipped++;
                return;
            case DecodeStatus.UnsupportedLinkType:
                stats.UnsupportedLinkType++;
                return;
            default:
                stats.Malformed++;
                return;
        }

        stats.Decoded++;
        if (!_options.AnyPort && !_watched[packet.SourcePort] && !_watched[packet.DestinationPort])
        {
            stats.NotWatched++;
            return;
        }

        AdvanceClock(timestampNs);
        var key = FlowKey.Create(packet, out bool sourceIsA);
        if (_table.TryGet(key, out var flow) && flow.Ended)
        {
            // A new connection reusing the 5-tuple starts with a SYN; anything else is a trailing packet.
            if (!packet.IsTcp || (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn)
            {
                stats.AfterClose++;
                return;
            }

            _table.Remove(flow);
            flow = null;
        }

        if (flow is null)
        {
            if (_table.Count >= _options.MaxFlows && _table.Oldest() is { } victim)
            {
                if (victim.Ended)
                {
                    _table.Remove(victim);
                }
                else
                {
                    stats.FlowsEvicted++;
                    EndFlow(victim, FlowEndReason.Evicted);
                }
            }

            flow = _table.Add(key);
            InitFlow(flow, packet, sourceIsA, timestampNs);
            stats.FlowsCreated++;
            if (_processes is not null)
            {
                flow.ProcessLookup = _processes.Request(flow); // queued for the attribution thread, never waited on here
            }
        }

        flow.Anomalies |= packetAnomalies & AnomalyCounters.FlowScoped;

        // The packet's source is the key's endpoint A or B; a degenerate self-flow (A = B) is all client.
        bool fromClient = sourceIsA == flow.ClientIsA || (flow.Key.A == flow.Key.B && flow.Key.PortA == flow.Key.PortB);

        if (timestampNs > flow.LastNs)
        {
            flow.LastNs = timestampNs;
        }

        if (fromClient)
        {
            flow.ClientPackets++;
            flow.ClientBytes += packet.IpLength;
        }
        else
        {
            flow.ServerPackets++;
            flow.ServerBytes += packet.IpLength;
        }

        var payload = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
        if (!payload.IsEmpty)
        {
            flow.NotePayload(packet.ClaimedPayloadLength, fromClient);
        }
        if (packet.IsTcp)
        {
            if (HandleTcp(flow, packet, fromClient, payload))
            {
                return; // flow ended
            }
        }
        else if (!payload.IsEmpty)
        {
            HandleUdp(flow, fromClient, payload);
        }

        PinAnomalies(flow);
        _table.Touch(flow);
    }

    private void InitFlow(Flow flow, in DecodedPacket p, bool sourceIsA, long ts)
    {
        flow.Transport = p.IsTcp ? Transport.Tcp : Transport.Udp;
        flow.Tunnel = p.Tunnel;
        flow.TunnelId = p.TunnelId;
        flow.FirstNs = flow.LastNs = ts;

        // Client: the SYN sender; without a SYN, the side not on a watched port; else the first sender.
        bool sourceIsClient;
        if (p.IsTcp && (p.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn)
        {
            sourceIsClient = true;
            flow.SawSyn = true;
        }
        else if (p.IsTcp && (p.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack))
        {
            sourceIsClient = false;
            flow.SawSyn = true;
        }
        else
        {
            bool srcWatched = !_options.AnyPort ? _watched[p.SourcePort] : p.SourcePort < 1024;
            bool dstWatched = !_options.AnyPort ? _watched[p.DestinationPort] : p.DestinationPort < 1024;
            sourceIsClient = srcWatched == dstWatched || dstWatched;
            if (p.IsTcp)
            {
                flow.Midstream = true;
            }
        }

        flow.ClientIsA = sourceIsClient == sourceIsA;

        _detector.Begin(flow);
    }

    /// <summary>Returns true when the flow ended (and was removed).</summary>
    private bool HandleTcp(Flow flow, in DecodedPacket p, bool fromClient, ReadOnlySpan<byte> payload)
    {
        var flags = p.TcpFlags;
        var anomalies = Statistics.Anomalies;
        if (fromClient)
        {
            flow.ClientFlags |= flags;
        }
        else
        {
            flow.ServerFlags |= flags;
        }

        if ((flags & TcpFlags.Syn) != 0)
        {
            if (fromClient && !flow.ClientIsnKnown)
            {
                flow.ClientIsn = p.Sequence + 1;
                flow.ClientIsnKnown = true;
            }
            else if (!fromClient && !flow.ServerIsnKnown)
            {
                flow.ServerIsn = p.Sequence + 1;
                flow.ServerIsnKnown = true;
            }
        }

        if (!payload.IsEmpty && (fromClient ? flow.ClientFin && (int)(p.Sequence - flow.ClientFinSeq) >= 0
                                            : flow.ServerFin && (int)(p.Sequence - flow.ServerFinSeq) >= 0))
        {
            anomalies.Increment(Anomaly.TcpDataAfterFin); // new bytes after that side's FIN
        }

        bool inspecting = flow.State is DetectionState.Inspecting or DetectionState.Extracting;
        bool progress = false;
        if (!payload.IsEmpty && flow.ClientSpokeFirst is null)
        {
            flow.ClientSpokeFirst = fromClient;
        }

        if (!payload.IsEmpty && inspecting)
        {
            flow.PayloadPackets++;
            var streams = flow.GetStreams();
            ref var stream = ref fromClient ? ref streams.Client : ref streams.Server;
            uint seq = (flags & TcpFlags.Syn) != 0 ? p.Sequence + 1 : p.Sequence;
            progress = stream.Add(seq, payload, _detector.Limits.MaxBytesPerDirection, anomalies, _reassemblyMemory) == SegmentResult.Progress;
        }

        if ((flags & TcpFlags.Ack) != 0 && flow.Streams is { } acked)
        {
            (fromClient ? ref acked.Server : ref acked.Client).OnPeerAck(p.Acknowledgment, anomalies);
        }

        bool finNow = false;
        if ((flags & TcpFlags.Fin) != 0)
        {
            uint finSeq = p.Sequence + (uint)p.ClaimedPayloadLength;
            if (fromClient && !flow.ClientFin)
            {
                flow.ClientFin = true;
                flow.ClientFinSeq = finSeq;
                finNow = true;
            }
            else if (!fromClient && !flow.ServerFin)
            {
                flow.ServerFin = true;
                flow.ServerFinSeq = finSeq;
                finNow = true;
            }

            if (flow.Streams is { } finished)
            {
                (fromClient ? ref finished.Client : ref finished.Server).Finish(anomalies);
            }
        }

        if (inspecting && (progress || finNow || (flags & TcpFlags.Rst) != 0))
        {
            if ((flags & TcpFlags.Rst) != 0 && flow.Streams is { } reset)
            {
                reset.Client.Finish(anomalies);
                reset.Server.Finish(anomalies);
            }

            Inspect(flow);
        }

        if ((flags & TcpFlags.Rst) != 0)
        {
            EndFlow(flow, FlowEndReason.Rst, tombstone: true);
            return true;
        }

        if (flow.ClientFin && flow.ServerFin)
        {
            // The conversation is over once the second FIN is acknowledged; until then, linger.
            uint lastFinAck = fromClient ? flow.ServerFinSeq + 1 : flow.ClientFinSeq + 1;
            bool secondFinAcked = (flags & TcpFlags.Ack) != 0 && p.Acknowledgment == lastFinAck &&
                                  (fromClient ? flow.ServerFin : flow.ClientFin) && !finNow;
            if (secondFinAcked)
            {
                EndFlow(flow, FlowEndReason.Fin, tombstone: true);
                return true;
            }

            if (!flow.Closing)
            {
                flow.Closing = true;
                flow.CloseReason = FlowEndReason.Fin;
            }
        }

        return false;
    }

    private void HandleUdp(Flow flow, bool fromClient, ReadOnlySpan<byte> payload)
    {
        if (flow.ClientSpokeFirst is null)
        {
            flow.ClientSpokeFirst = fromClient;
        }

        if (flow.State is not (DetectionState.Inspecting or DetectionState.Extracting))
        {
            if (flow.State == DetectionState.Done && flow.Metadata is { MultiplexesDtls: true } or { WantsLaterDatagrams: true }
                && flow.PayloadPackets < _lateDatagramLimit)
            {
                flow.PayloadPackets++;
                _detector.InspectLateDatagram(flow, payload, fromClient);
            }

            return;
        }

        flow.PayloadPackets++;
        var streams = flow.GetStreams();
        ref var stream = ref fromClient ? ref streams.Client : ref streams.Server;
        if (stream.HasBase)
        {
            // The first datagram of each direction is what UDP fingerprinters see; later ones only matter to a
            // protocol that shares its 5-tuple with DTLS.
            if (flow.State == DetectionState.Extracting && flow.Metadata is { MultiplexesDtls: true } or { WantsLaterDatagrams: true })
            {
                _detector.InspectLateDatagram(flow, payload, fromClient);
            }
            else if (flow.State == DetectionState.Inspecting && streams.NoteNextDatagram(payload, fromClient))
            {
                // Still unidentified: the second datagram of this direction may confirm a weak shape (RTP).
                Inspect(flow);
            }

            return;
        }

        stream.Add(0, payload, Math.Min(payload.Length, _detector.Limits.MaxBytesPerDirection), Statistics.Anomalies, _reassemblyMemory);
        stream.Finish(Statistics.Anomalies);
        Inspect(flow);
    }

    private void Inspect(Flow flow)
    {
        if (_detector.Inspect(flow) && (_options.Records & RecordKinds.ProtocolDetected) != 0)
        {
            AwaitProcessLookup(flow);
            _records.Write(flow, isEnd: false, FlowEndReason.None, _nowNs);
            Statistics.RecordsWritten++;
        }
    }

    /// <param name="tick">
    /// An idle tick (live capture: wall-clock time while no packet came). It may run ahead of packets libpcap still
    /// holds in its buffer, so a packet older than a tick is normal; only a packet older than the previous packet
    /// counts as <see cref="Anomaly.TimestampWentBackwards"/>.
    /// </param>
    private void AdvanceClock(long nowNs, bool tick = false)
    {
        if (!tick)
        {
            if (nowNs < _lastPacketNs)
            {
                Statistics.Anomalies.Increment(Anomaly.TimestampWentBackwards);
            }

            _lastPacketNs = Math.Max(_lastPacketNs, nowNs);
        }

        if (nowNs < _nowNs)
        {
            return;
        }

        _nowNs = nowNs;
        // Expire at most once per (packet-time) second: the idle lists are ordered, so each check is O(expired).
        if (nowNs - _lastExpiryNs < 1_000_000_000L)
        {
            return;
        }

        _lastExpiryNs = nowNs;
        while (_defragmenter.Expire(nowNs, out var partial))
        {
            ProcessReassembled(partial, nowNs);
        }

        while (_table.NextExpired(nowNs, _tcpTimeoutNs, _tcpNewTimeoutNs, _udpTimeoutNs, _closingNs) is { } flow)
        {
            if (flow.Ended)
            {
                _table.Remove(flow); // the tombstone's linger is over
            }
            else
            {
                EndFlow(flow, flow.Closing ? flow.CloseReason : FlowEndReason.IdleTimeout);
            }
        }
    }

    /// <summary>
    /// Writes the flow's record(s). The entry is removed, or with <paramref name="tombstone"/> kept for the
    /// closing linger to absorb trailing packets.
    /// </summary>
    private void EndFlow(Flow flow, FlowEndReason reason, bool tombstone = false)
    {
        AwaitProcessLookup(flow);
        if (flow.State is DetectionState.Inspecting or DetectionState.Extracting)
        {
            bool wasInspecting = flow.State == DetectionState.Inspecting;
            if (_detector.Inspect(flow, final: true) && wasInspecting && (_options.Records & RecordKinds.ProtocolDetected) != 0)
            {
                _records.Write(flow, isEnd: false, FlowEndReason.None, flow.LastNs);
                Statistics.RecordsWritten++;
            }
        }

        PinAnomalies(flow);
        if ((_options.Records & RecordKinds.FlowEnd) != 0)
        {
            _records.Write(flow, isEnd: true, reason, _nowNs);
            Statistics.RecordsWritten++;
        }

        _summary?.Add(flow, _detector.ProtocolName(flow));
        if (flow.ProcessLookup is { } lookup)
        {
            lookup.Abandon(); // its last record is written: the attribution thread may skip it
            if (!lookup.IsDone)
            {
                Interlocked.Increment(ref _processes!.Statistics.WrittenPending);
            }

            flow.ProcessLookup = null;
        }

        if (tombstone)
        {
            flow.Ended = true;
            flow.Closing = true;
            flow.ReleaseBuffers();
            ReleaseUnknown(flow);
            _table.Touch(flow); // into the closing list
        }
        else
        {
            ReleaseUnknown(flow);
            _table.Remove(flow);
        }

        if (_output.PendingBytes >= MaxPendingOutputBytes)
        {
            _output.Flush(); // a burst of records (eviction storm, final flush) must not pile up in memory
        }
    }

    /// <summary>The flow's records are written: its unknown profile goes back to the worker's pool.</summary>
    private static void ReleaseUnknown(Flow flow)
    {
        if (flow.Unknown is { } unknown)
        {
            flow.Unknown = null;
            UnknownProfile.Return(unknown);
        }
    }

    /// <summary>
    /// Pins the flow-scoped anomalies counted since the last take on <paramref name="flow"/>: called while that
    /// flow's packet, stream or identification is being handled, and before each of its records.
    /// </summary>
    private void PinAnomalies(Flow flow) => flow.Anomalies |= Statistics.Anomalies.TakeRaised() & AnomalyCounters.FlowScoped;

    public void Dispose() => _records.Dispose();

    /// <summary>
    /// Before a record: gives the flow's look-up a bounded chance to finish (at most
    /// <see cref="Attribution.ProcessResolver.MaxWaitPerBatchMs"/> per batch in all); a record written before it
    /// finishes says <c>pending</c>.
    /// </summary>
    private void AwaitProcessLookup(Flow flow)
    {
        if (flow.ProcessLookup is { IsDone: false } lookup)
        {
            _processes!.WaitFor(lookup, ref _processWaitBudget);
        }
    }

    /// <summary>Ends every open flow (end of input or shutdown) and flushes the output.</summary>
    public void Finish(FlowEndReason reason)
    {
        _processWaitBudget = Attribution.ProcessResolver.WaitBudgetTicks;
        while (_defragmenter.Expire(_nowNs, out var partial, all: true))
        {
            ProcessReassembled(partial, _nowNs);
        }

        var flows = _table.Snapshot();
        // Least recently active first: the order idle timeouts would have ended them (ties: oldest, then port).
        flows.Sort(static (a, b) => a.LastNs != b.LastNs ? a.LastNs.CompareTo(b.LastNs)
            : a.FirstNs != b.FirstNs ? a.FirstNs.CompareTo(b.FirstNs) : a.ClientPort.CompareTo(b.ClientPort));
        foreach (var flow in flows)
        {
            if (flow.Ended)
            {
                _table.Remove(flow);
            }
            else
            {
                EndFlow(flow, flow.Closing ? flow.CloseReason : reason);
            }
        }

        _output.Flush();
    }
}
