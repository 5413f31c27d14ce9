using System.Runtime.CompilerServices;

namespace Sniffer.Decoding;

/// <summary>Named anomaly counters: malformed input is counted here instead of throwing.</summary>
public enum Anomaly
{
    TruncatedLinkHeader,
    UnsupportedLinkType,
    TooManyVlanTags,
    TooManyMplsLabels,
    NonIpFrame,
    TruncatedIpv4,
    BadIpv4HeaderLength,
    BadIpv4TotalLength,
    TruncatedIpv6,
    TooManyIpv6ExtensionHeaders,
    BadIpVersion,
    IpFragment,
    FragmentTooLarge,
    FragmentMemoryExceeded,
    FragmentOverlapConflict,
    FragmentTimeout,
    IpEsp,
    TunnelTooDeep,
    TruncatedTunnel,
    OtherTransport,
    TruncatedTcp,
    BadTcpDataOffset,
    TruncatedUdp,
    BadUdpLength,
    SnapTruncated,
    TcpReassemblyOverlapConflict,
    TcpReassemblyGap,
    TcpOutOfWindow,
    ReassemblyMemcap,
    TimestampWentBackwards,
    FingerprinterFault,
    BadTcpOptionLength,
    TcpDataAfterFin,
    FieldTruncated,
    Count,
}

/// <summary>Per-thread anomaly counters (one instance per worker; merged at exit).</summary>
public sealed class AnomalyCounters
{
    private readonly long[] _counts = new long[(int)Anomaly.Count];
    private ulong _raised;

    /// <summary>
    /// Anomalies that can be pinned on one flow (<c>sniffer.anomalies</c>): they are counted while a decoded packet
    /// of that flow, its stream or its identification is being handled. The others happen before a packet has a
    /// flow (it did not decode, or it was dropped) or describe the capture, not a flow (timestamps going back).
    /// </summary>
    public const ulong FlowScoped =
        (1UL << (int)Anomaly.SnapTruncated) |
        (1UL << (int)Anomaly.IpFragment) |
        (1UL << (int)Anomaly.FragmentOverlapConflict) |
        (1UL << (int)Anomaly.FragmentTimeout) |
        (1UL << (int)Anomaly.TcpReassemblyOverlapConflict) |
        (1UL << (int)Anomaly.TcpReassemblyGap) |
        (1UL << (int)Anomaly.TcpOutOfWindow) |
        (1UL << (int)Anomaly.ReassemblyMemcap) |
        (1UL << (int)Anomaly.FingerprinterFault) |
        (1UL << (int)Anomaly.BadTcpOptionLength) |
        (1UL << (int)Anomaly.TcpDataAfterFin) |
        (1UL << (int)Anomaly.FieldTruncated);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment(Anomaly anomaly)
    {
        _counts[(int)anomaly]++;
        _raised |= 1UL << (int)anomaly;
    }

    /// <summary>
    /// The anomalies counted since the last call, as a bit set (bit n = <see cref="Anomaly"/> n), and clears it.
    /// The packet path takes it around each flow's work to pin what happened on that flow.
    /// </summary>
    public ulong TakeRaised()
    {
        ulong raised = _raised;
        _raised = 0;
        return raised;
    }

    /// <summary>Adds bits taken earlier back to the pending set (work on another flow came in between).</summary>
    public void Raise(ulong bits) => _raised |= bits;

    public static bool IsFlowScoped(Anomaly anomaly) => (FlowScoped & (1UL << (int)anomaly)) != 0;

    public long this[Anomaly anomaly] => _counts[(int)anomaly];

    public void AddTo(AnomalyCounters total)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            total._counts[i] += _counts[i];
        }
    }

    public static string Name(Anomaly anomaly) => anomaly switch
    {
        Anomaly.TruncatedLinkHeader => "truncated_link_header",
        Anomaly.UnsupportedLinkType => "unsupported_link_type",
        Anomaly.TooManyVlanTags => "too_many_vlan_tags",
        Anomaly.TooManyMplsLabels => "too_many_mpls_labels",
        Anomaly.NonIpFrame => "non_ip_frame",
        Anomaly.TruncatedIpv4 => "truncated_ipv4",
        Anomaly.BadIpv4HeaderLength => "bad_ipv4_header_length",
        Anomaly.BadIpv4TotalLength => "bad_ipv4_total_length",
        Anomaly.TruncatedIpv6 => "truncated_ipv6",
        Anomaly.TooManyIpv6ExtensionHeaders => "too_many_ipv6_extension_headers",
        Anomaly.BadIpVersion => "bad_ip_version",
        Anomaly.IpFragment => "ip_fragment",
        Anomaly.FragmentTooLarge => "fragment_too_large",
        Anomaly.FragmentMemoryExceeded => "fragment_memory_exceeded",
        Anomaly.FragmentOverlapConflict => "fragment_overlap_conflict",
        Anomaly.FragmentTimeout => "fragment_timeout",
        Anomaly.IpEsp => "ip_esp",
        Anomaly.TunnelTooDeep => "tunnel_too_deep",
        Anomaly.TruncatedTunnel => "truncated_tunnel_header",
        Anomaly.OtherTransport => "other_transport",
        Anomaly.TruncatedTcp => "truncated_tcp",
        Anomaly.BadTcpDataOffset => "bad_tcp_data_offset",
        Anomaly.TruncatedUdp => "truncated_udp",
        Anomaly.BadUdpLength => "bad_udp_length",
        Anomaly.SnapTruncated => "snap_truncated",
        Anomaly.TcpReassemblyOverlapConflict => "tcp_overlap_conflict",
        Anomaly.TcpReassemblyGap => "tcp_gap",
        Anomaly.TcpOutOfWindow => "tcp_beyond_inspection_window",
        Anomaly.ReassemblyMemcap => "reassembly_memcap",
        Anomaly.TimestampWentBackwards => "timestamp_went_backwards",
        Anomaly.FingerprinterFault => "fingerprinter_fault",
        Anomaly.BadTcpOptionLength => "bad_tcp_option_length",
        Anomaly.TcpDataAfterFin => "tcp_data_after_fin",
        Anomaly.FieldTruncated => "field_truncated",
        _ => "unknown",
    };
}
