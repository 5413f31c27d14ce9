using Sniffer.Capture;
using Sniffer.Decoding;

namespace Sniffer.Pipeline;

/// <summary>
/// Counters of a running pipeline, summed over its threads, as seen at one moment. Every value is cumulative
/// since the run started; a reader computes rates from two snapshots.
/// </summary>
public readonly record struct PipelineCounters
{
    /// <summary>Wall-clock time of the snapshot (Unix ns).</summary>
    public long NowNs { get; init; }
    /// <summary>Wall-clock time the run started (Unix ns).</summary>
    public long StartNs { get; init; }
    /// <summary>Packets read from the capture source.</summary>
    public long Packets { get; init; }
    /// <summary>Captured bytes of those packets.</summary>
    public long Bytes { get; init; }
    /// <summary>Capture file bytes consumed so far (files and stdin), null for live capture.</summary>
    public long? InputBytesConsumed { get; init; }
    /// <summary>Size of the capture file when it is a regular file; null for stdin, pipes and live capture.</summary>
    public long? InputLength { get; init; }
    /// <summary>Packets dropped by sniffer itself because the workers were behind (live capture only).</summary>
    public long PacketsDropped { get; init; }
    /// <summary>Packets the offline <c>--filter</c> rejected.</summary>
    public long PacketsFilteredOut { get; init; }
    public long FlowsActive { get; init; }
    public long FlowsCreated { get; init; }
    public long FlowsEvicted { get; init; }
    public long RecordsWritten { get; init; }
    /// <summary>Anomalies counted so far, all kinds together.</summary>
    public long Anomalies { get; init; }
    /// <summary>libpcap's counters (live capture), as of the snapshot.</summary>
    public long? PcapReceived { get; init; }
    public long? PcapDropped { get; init; }
    public long? PcapInterfaceDropped { get; init; }
    /// <summary>Latest packet time any worker has seen (Unix ns), or null before the first packet.</summary>
    public long? PacketTimeNs { get; init; }
}

/// <summary>
/// A read-only view of a running pipeline for the operator's console (progress line) and the <c>stats</c>
/// records: it only reads counters the threads already keep (plain 64-bit fields, read without locks — a value
/// may be a moment old, never torn), so watching costs the packet path nothing. Attached by
/// <see cref="SnifferPipeline.Run"/>; before that, <see cref="Read"/> returns zeros.
/// </summary>
public sealed class PipelineMonitor
{
    private volatile State? _state;

    private sealed record State(IPacketSource Source, Dispatcher Dispatcher, PacketProcessor[] Processors, long StartNs);

    /// <summary>True once the pipeline runs (and until the process ends).</summary>
    public bool IsAttached => _state is not null;

    /// <summary>Raised once the pipeline is wired, just before the first packet is read (the console draws then).</summary>
    public event Action? Attached;

    internal void Attach(IPacketSource source, Dispatcher dispatcher, PacketProcessor[] processors)
    {
        _state = new State(source, dispatcher, processors, LiveCapture.NowNs());
        Attached?.Invoke();
    }

    /// <summary>Sums the counters now. <paramref name="refreshPcap"/> also asks libpcap for its counters (live).</summary>
    public PipelineCounters Read(bool refreshPcap = false)
    {
        long now = LiveCapture.NowNs();
        var s = _state;
        if (s is null)
        {
            return new PipelineCounters { NowNs = now, StartNs = now };
        }

        if (refreshPcap && s.Source is LiveCapture live)
        {
            live.UpdateKernelStatistics();
        }

        long created = 0, evicted = 0, records = 0, active = 0, anomalies = 0, packetTime = long.MinValue;
        foreach (var p in s.Processors)
        {
            var st = p.Statistics;
            created += Volatile.Read(ref st.FlowsCreated);
            evicted += Volatile.Read(ref st.FlowsEvicted);
            records += Volatile.Read(ref st.RecordsWritten);
            active += p.ActiveFlows;
            packetTime = Math.Max(packetTime, p.ClockNs);
            for (var a = (Anomaly)0; a < Anomaly.Count; a++)
            {
                anomalies += st.Anomalies[a];
            }
        }

        var capture = s.Source.Statistics;
        var file = s.Source as CaptureFileReader;
        return new PipelineCounters
        {
            NowNs = now,
            StartNs = s.StartNs,
            Packets = Volatile.Read(ref capture.PacketsRead),
            Bytes = Volatile.Read(ref capture.BytesRead),
            InputBytesConsumed = file?.BytesConsumed,
            InputLength = file?.Length,
            PacketsDropped = s.Dispatcher.PacketsDropped,
            PacketsFilteredOut = s.Dispatcher.PacketsFilteredOut,
            FlowsActive = active,
            FlowsCreated = created,
            FlowsEvicted = evicted,
            RecordsWritten = records,
            Anomalies = anomalies,
            PcapReceived = capture.KernelReceived,
            PcapDropped = capture.KernelDropped,
            PcapInterfaceDropped = capture.InterfaceDropped,
            PacketTimeNs = packetTime == long.MinValue ? null : packetTime,
        };
    }
}
