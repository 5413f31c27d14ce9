using Sniffer.Fingerprinting;
using Sniffer.Output;

namespace Sniffer.Pipeline;

/// <summary>Everything the pipeline needs to know; built by the command line.</summary>
public sealed record SnifferOptions
{
    public const ushort DefaultPort = PortRegistry.DistUpgrade;
    /// <summary>
    /// Idle timeout of TCP flows that carried payload. Long, because real conversations idle for minutes: Kafka
    /// brokers close idle connections after 10 minutes, database pools and MQTT keep-alives idle longer — a shorter
    /// timeout splits one connection into two records, the second one unidentifiable. Memory stays bounded by
    /// <see cref="MaxFlows"/> (oldest idle evicted first).
    /// </summary>
    public const int DefaultTcpTimeoutSeconds = 3600;
    /// <summary>Idle timeout of TCP flows without payload yet (handshakes, scans, SYN floods, half-open).</summary>
    public const int DefaultTcpNewTimeoutSeconds = 60;
    public const int DefaultUdpTimeoutSeconds = 60;
    /// <summary>How long a flow that saw RST (or a FIN without the final ACK) lingers to absorb trailing packets.</summary>
    public const int ClosingLingerSeconds = 5;
    public const int DefaultMaxFlows = 400_000;

    /// <summary>Ports whose TCP/UDP flows are analysed (either endpoint). Ignored with <see cref="AnyPort"/>.</summary>
    public IReadOnlyList<ushort> Ports { get; init; } = [DefaultPort];
    public bool AnyPort { get; init; }
    public RecordKinds Records { get; init; } = RecordKinds.All;
    public int TcpTimeoutSeconds { get; init; } = DefaultTcpTimeoutSeconds;
    public int TcpNewTimeoutSeconds { get; init; } = DefaultTcpNewTimeoutSeconds;
    public int UdpTimeoutSeconds { get; init; } = DefaultUdpTimeoutSeconds;
    public int MaxFlows { get; init; } = DefaultMaxFlows;
    /// <summary>Identification workers; 0 = automatic (<see cref="WorkerCount"/>: 1 for files, cores − 2 live).</summary>
    public int Workers { get; init; }
    public InspectionLimits Inspection { get; init; } = new();
    /// <summary>Cap on bytes buffered for TCP/UDP inspection per worker (<c>--reassembly-memcap</c>).</summary>
    public long ReassemblyMemcapBytes { get; init; } = Flows.ReassemblyMemory.DefaultLimitBytes;
    /// <summary>Cap on bytes held for IP fragment reassembly per worker (<c>--fragment-memcap</c>).</summary>
    public long FragmentMemcapBytes { get; init; } = Decoding.IpDefragmenter.DefaultMemoryLimitBytes;
    /// <summary>Seconds between periodic port_summary records (live capture); 0 = only at the end.</summary>
    public int PortSummaryIntervalSeconds { get; init; }
    /// <summary>Seconds between <c>stats</c> records (<c>--stats</c>; live capture, plus one at the end); 0 = none.</summary>
    public int StatsIntervalSeconds { get; init; }
    /// <summary>Keep the port summary even when no port_summary record is written (the console's end-of-run table).</summary>
    public bool CollectPortSummary { get; init; }
    /// <summary>Read-only view of the running pipeline for the console (progress line); attached by the pipeline.</summary>
    public PipelineMonitor? Monitor { get; init; }

    /// <summary>The ECS <c>observer</c> object written in every record (<c>--sensor-name</c>, live interface); null: none.</summary>
    public Output.Delivery.ObserverFields? Observer { get; init; }
    /// <summary>Send every record to a syslog receiver too (<c>--syslog</c>); null: no.</summary>
    public Output.Delivery.SyslogOptions? Syslog { get; init; }

    /// <summary>
    /// Name the local process behind each flow from /proc (<c>--process</c>; on by default for live capture).
    /// </summary>
    public bool ProcessAttribution { get; init; }
    /// <summary>Where the attribution thread looks (/proc; tests give a fake tree).</summary>
    public Attribution.ProcessResolverOptions? ProcessResolver { get; init; }

    /// <summary>True when flows on this server port belong in the port summary.</summary>
    public bool IsSummarised(ushort serverPort) => AnyPort || Ports.Contains(serverPort);
}
