using Sniffer.Fingerprinting;
using Sniffer.Output;

namespace Sniffer.Pipeline;

/// <summary>Everything the pipeline needs to know; built by the command line.</summary>
public sealed record SnifferOptions
{
    public const ushort DefaultPort = PortRegistry.DistUpgrade;
    public const int DefaultTcpTimeoutSeconds = 300;
    public const int DefaultUdpTimeoutSeconds = 60;
    /// <summary>How long a flow that saw RST (or a FIN without the final ACK) lingers to absorb trailing packets.</summary>
    public const int ClosingLingerSeconds = 5;
    public const int DefaultMaxFlows = 400_000;

    /// <summary>Ports whose TCP/UDP flows are analysed (either endpoint). Ignored with <see cref="AnyPort"/>.</summary>
    public IReadOnlyList<ushort> Ports { get; init; } = [DefaultPort];
    public bool AnyPort { get; init; }
    public RecordKinds Records { get; init; } = RecordKinds.All;
    public int TcpTimeoutSeconds { get; init; } = DefaultTcpTimeoutSeconds;
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

    /// <summary>True when flows on this server port belong in the port summary.</summary>
    public bool IsSummarised(ushort serverPort) => AnyPort || Ports.Contains(serverPort);
}
