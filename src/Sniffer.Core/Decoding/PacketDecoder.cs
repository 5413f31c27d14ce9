using System.Buffers.Binary;

namespace Sniffer.Decoding;

public enum DecodeStatus : byte
{
    /// <summary>A TCP or UDP packet was decoded.</summary>
    Ok,
    /// <summary>Valid, but not something flows are built from (ARP, ICMP, non-first fragment...).</summary>
    Skipped,
    /// <summary>Cut short before the transport header (counted as an anomaly).</summary>
    Truncated,
    /// <summary>A header is invalid (counted as an anomaly).</summary>
    Malformed,
    UnsupportedLinkType,
    /// <summary>An IP fragment: <see cref="DecodedPacket.Fragment"/> says where its data lies, for reassembly.</summary>
    Fragment,
}

/// <summary>Where an IP fragment's header and data lie in its frame.</summary>
public struct FragmentInfo
{
    public byte Version;
    public byte Protocol;
    public uint Identification;
    /// <summary>Offset of this fragment's data in the original datagram (bytes).</summary>
    public int Offset;
    public bool More;
    public int HeaderOffset;
    public int HeaderLength;
    public int DataOffset;
    public int DataLength;
}

/// <summary>
/// What the decode chain found in one frame: the innermost IP 5-tuple and where the transport payload lies in
/// the frame. A plain struct of offsets, so it can be kept beside the frame without copying bytes.
/// </summary>
public struct DecodedPacket
{
    public IpAddr Source;
    public IpAddr Destination;
    public ushort SourcePort;
    public ushort DestinationPort;
    /// <summary>6 (TCP) or 17 (UDP).</summary>
    public byte Protocol;
    public TcpFlags TcpFlags;
    public uint Sequence;
    public uint Acknowledgment;
    /// <summary>Offset of the transport payload within the frame.</summary>
    public int PayloadOffset;
    /// <summary>Captured payload bytes available at <see cref="PayloadOffset"/>.</summary>
    public int PayloadLength;
    /// <summary>Payload length the headers claim (larger than PayloadLength when the snap length cut it).</summary>
    public int ClaimedPayloadLength;
    /// <summary>Length of the innermost IP packet as its header claims (the flow byte counters use this).</summary>
    public int IpLength;
    /// <summary>Outermost 802.1Q VLAN id, 0 when untagged.</summary>
    public ushort VlanId;
    public bool SnapTruncated;
    /// <summary>Outermost encapsulation the packet arrived in (VXLAN, GRE, ...), None when not tunnelled.</summary>
    public TunnelType Tunnel;
    /// <summary>VXLAN/Geneve VNI, GRE key, or ERSPAN session id of that tunnel (0 when it has none).</summary>
    public uint TunnelId;
    /// <summary>Set when the status is <see cref="DecodeStatus.Fragment"/>.</summary>
    public FragmentInfo Fragment;

    public readonly bool IsTcp => Protocol == 6;

    /// <summary>A deterministic hash of the address pair (direction-independent), used to shard work: every
    /// flow and every fragment between two hosts lands on the same worker.</summary>
    public readonly uint AddressPairHash() => AddressPairHash(Source, Destination, VlanId);

    /// <summary>The same hash from the parts (the dispatcher computes it from raw headers without a full decode).</summary>
    public static uint AddressPairHash(IpAddr source, IpAddr destination, ushort vlanId)
    {
        uint a = (uint)source.GetHashCode(), b = (uint)destination.GetHashCode();
        ulong h = ((ulong)Math.Min(a, b) << 32 | Math.Max(a, b)) * 0x9E3779B97F4A7C15UL;
        return (uint)(h >> 32) ^ vlanId;
    }
}

/// <summary>Encapsulations the decoder unwraps to reach the innermost 5-tuple.</summary>
public enum TunnelType : byte
{
    None,
    IpInIp,
    SixInFour,
    Gre,
    ErspanI,
    ErspanII,
    ErspanIII,
    Vxlan,
    Geneve,
    Teredo,
}

public static class TunnelNames
{
    public static string Name(TunnelType t) => t switch
    {
        TunnelType.IpInIp => "ipip",
        TunnelType.SixInFour => "6in4",
        TunnelType.Gre => "gre",
        TunnelType.ErspanI => "erspan1",
        TunnelType.ErspanII => "erspan2",
        TunnelType.ErspanIII => "erspan3",
        TunnelType.Vxlan => "vxlan",
        TunnelType.Geneve => "geneve",
        TunnelType.Teredo => "teredo",
        _ => "none",
    };
}

/// <summary>
/// The decode chain: link layer → VLAN/MPLS/PPPoE → IPv4/IPv6 (with IP-in-IP and 6in4) → TCP/UDP.
/// Never throws, never allocates; malformed input gives a status and a named anomaly counter.
/// </summary>
public static class PacketDecoder
{
    /// <summary>Stacked 802.1Q/802.1ad tags followed before giving up.</summary>
    public const int MaxVlanTags = 4;
    /// <summary>MPLS labels followed before giving up.</summary>
    public const int MaxMplsLabels = 8;
    /// <summary>IP-in-IP nesting followed before giving up.</summary>
    public const int MaxIpNesting = 4;

    public const byte ProtoIpIp = 4;
    public const byte ProtoTcp = 6;
    public const byte ProtoUdp = 17;
    public const byte ProtoIpv6 = 41;
    public const byte ProtoGre = 47;
    public const ushort VxlanPort = 4789;
    public const ushort GenevePort = 6081;
    public const ushort TeredoPort = 3544;

    public static DecodeStatus Decode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket packet, AnomalyCounters anomalies) =>
        Decode(linkType, frame, ref packet, anomalies, commonShapeFirst: true);

    /// <param name="commonShapeFirst">False skips <see cref="TryDecodeCommon"/> (tests compare both ways).</param>
    internal static DecodeStatus Decode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket packet, AnomalyCounters anomalies, bool commonShapeFirst)
    {
        packet = default;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (commonShapeFirst && TryDecodeCommon(frame, ref packet, anomalies))
                {
                    return DecodeStatus.Ok;
                }

                if (!EthernetDecoder.TryDecode(frame, out var eth, out int used))
                {
                    return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                }

                return DecodeEtherType(eth.EtherType, frame, used, 0, ref packet, anomalies);

            case LinkType.LinuxSll:
                // 16 bytes: packet type, ARPHRD, addr len, 8-byte addr, protocol (big endian)
                if (frame.Length < 16)
                {
                    return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                }

                return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]), frame, 16, 0, ref packet, anomalies);

            case LinkType.LinuxSll2:
                // 20 bytes: protocol (BE), reserved, ifindex, ARPHRD, packet type, addr len, 8-byte addr
                if (frame.Length < 20)
                {
                    return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                }

                return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame), frame, 20, 0, ref packet, anomalies);

            case LinkType.Raw:
                return DecodeIpByVersion(frame, 0, 0, ref packet, anomalies);

            case LinkType.Ipv4:
            case LinkType.Ipv6:
                return DecodeIpByVersion(frame, 0, 0, ref packet, anomalies);

            case LinkType.Null:
            case LinkType.Loop:
                {
                    if (frame.Length < 4)
                    {
                        return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                    }

                    // The family is in the writer's byte order (NULL) or network order (LOOP); AF_INET is 2 everywhere,
                    // AF_INET6 is 10/24/28/30 depending on the OS. Look at the IP version nibble instead of guessing.
                    return DecodeIpByVersion(frame, 4, 0, ref packet, anomalies);
                }

            default:
                return Count(anomalies, Anomaly.UnsupportedLinkType, DecodeStatus.UnsupportedLinkType);
        }
    }

    /// <summary>
    /// The shape of nearly every packet on a span port, decoded in one straight pass: Ethernet II, at most one
    /// 802.1Q tag, IPv4 without options and not a fragment, or IPv6 with TCP/UDP as its next header, then TCP, or
    /// UDP off the tunnel ports; every length consistent and nothing cut by the snap length. Anything else — and
    /// any doubt — returns false with <paramref name="packet"/> untouched, and the general chain decodes the frame.
    /// The result is the general chain's, field for field (<c>PacketDecoderFastPathTests</c> compares them on
    /// generated and mutated frames): the general chain costs ~450 instructions a packet, this ~100.
    /// </summary>
    internal static bool TryDecodeCommon(ReadOnlySpan<byte> frame, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        int offset = EthernetHeader.Length;
        if (frame.Length < offset + Ipv4Header.MinLength)
        {
            return false;
        }

        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        ushort vlanId = 0;
        if (etherType == EtherType.Vlan)
        {
            vlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]) & 0x0FFF);
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            offset += VlanDecoder.TagLength;
        }

        var ip = frame[offset..];
        IpAddr source, destination;
        int headerLength, total;
        byte protocol;
        if (etherType == EtherType.Ipv4)
        {
            if (ip.Length < Ipv4Header.MinLength || ip[0] != 0x45
                || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0) // options, or a fragment
            {
                return false;
            }

            headerLength = Ipv4Header.MinLength;
            total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            protocol = ip[9];
            source = IpAddr.FromV4(BinaryPrimitives.ReadUInt32BigEndian(ip[12..]));
            destination = IpAddr.FromV4(BinaryPrimitives.ReadUInt32BigEndian(ip[16..]));
        }
        else if (etherType == EtherType.Ipv6)
        {
            if (ip.Length < Ipv6Header.Length || (ip[0] >> 4) != 6)
            {
                return false;
            }

            headerLength = Ipv6Header.Length;
            int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
            total = payload == 0 ? 0 : headerLength + payload; // 0: a jumbogram or offloaded capture, left to the chain
            protocol = ip[6];
            source = IpAddr.FromParts(BinaryPrimitives.ReadUInt64BigEndian(ip[8..]), BinaryPrimitives.ReadUInt64BigEndian(ip[16..]), true);
            destination = IpAddr.FromParts(BinaryPrimitives.ReadUInt64BigEndian(ip[24..]), BinaryPrimitives.ReadUInt64BigEndian(ip[32..]), true);
        }
        else
        {
            return false;
        }

        if (total < headerLength || total > ip.Length)
        {
            return false; // TSO zero length, malformed, or cut by the snap length
        }

        int transportOffset = offset + headerLength;
        var transport = frame.Slice(transportOffset, total - headerLength);
        if (protocol == ProtoTcp)
        {
            if (transport.Length < TcpHeader.MinLength)
            {
                return false;
            }

            int tcpLength = (transport[12] >> 4) * 4;
            if (tcpLength < TcpHeader.MinLength || tcpLength > transport.Length)
            {
                return false;
            }

            if (tcpLength > TcpHeader.MinLength && !TcpDecoder.OptionsWellFormed(transport[TcpHeader.MinLength..tcpLength]))
            {
                anomalies.Increment(Anomaly.BadTcpOptionLength);
            }

            packet.Protocol = ProtoTcp;
            packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport);
            packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            packet.Sequence = BinaryPrimitives.ReadUInt32BigEndian(transport[4..]);
            packet.Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(transport[8..]);
            packet.TcpFlags = (TcpFlags)transport[13];
            packet.PayloadOffset = transportOffset + tcpLength;
            packet.PayloadLength = packet.ClaimedPayloadLength = transport.Length - tcpLength;
        }
        else if (protocol == ProtoUdp)
        {
            if (transport.Length < UdpHeader.Length)
            {
                return false;
            }

            ushort sp = BinaryPrimitives.ReadUInt16BigEndian(transport), dp = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            int datagram = BinaryPrimitives.ReadUInt16BigEndian(transport[4..]);
            if (datagram < UdpHeader.Length || datagram > transport.Length
                || sp is VxlanPort or GenevePort or TeredoPort || dp is VxlanPort or GenevePort or TeredoPort)
            {
                return false; // zero, malformed or cut lengths, and the tunnels, take the chain
            }

            packet.Protocol = ProtoUdp;
            packet.SourcePort = sp;
            packet.DestinationPort = dp;
            packet.PayloadOffset = transportOffset + UdpHeader.Length;
            packet.PayloadLength = packet.ClaimedPayloadLength = datagram - UdpHeader.Length;
        }
        else
        {
            return false;
        }

        packet.Source = source;
        packet.Destination = destination;
        packet.IpLength = total;
        packet.VlanId = vlanId;
        return true;
    }

    private static DecodeStatus DecodeEtherType(ushort etherType, ReadOnlySpan<byte> frame, int offset, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        for (int tags = 0; ; tags++)
        {
            switch (etherType)
            {
                case EtherType.Ipv4:
                case EtherType.Ipv6:
                    return DecodeIp(etherType == EtherType.Ipv6 ? 6 : 4, frame, offset, depth, ref packet, anomalies);

                case EtherType.Vlan:
                case EtherType.QinQ:
                case EtherType.QinQOld:
                    if (tags >= MaxVlanTags)
                    {
                        return Count(anomalies, Anomaly.TooManyVlanTags, DecodeStatus.Malformed);
                    }

                    if (!VlanDecoder.TryDecode(frame[offset..], out ushort vlanId, out etherType))
                    {
                        return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                    }

                    if (packet.VlanId == 0)
                    {
                        packet.VlanId = vlanId;
                    }

                    offset += VlanDecoder.TagLength;
                    continue;

                case EtherType.Mpls:
                case EtherType.MplsMulticast:
                    for (int labels = 0; ; labels++)
                    {
                        if (labels >= MaxMplsLabels)
                        {
                            return Count(anomalies, Anomaly.TooManyMplsLabels, DecodeStatus.Malformed);
                        }

                        if (frame.Length < offset + 4)
                        {
                            return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                        }

                        bool bottom = (frame[offset + 2] & 0x01) != 0;
                        offset += 4;
                        if (bottom)
                        {
                            break;
                        }
                    }

                    return DecodeIpByVersion(frame, offset, depth, ref packet, anomalies);

                case EtherType.PppoeSession:
                    // 6-byte PPPoE header, then a 2-byte PPP protocol: 0x0021 IPv4, 0x0057 IPv6.
                    if (frame.Length < offset + 8)
                    {
                        return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                    }

                    ushort ppp = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 6)..]);
                    offset += 8;
                    return ppp switch
                    {
                        0x0021 => DecodeIp(4, frame, offset, depth, ref packet, anomalies),
                        0x0057 => DecodeIp(6, frame, offset, depth, ref packet, anomalies),
                        _ => Count(anomalies, Anomaly.NonIpFrame, DecodeStatus.Skipped),
                    };

                default:
                    return Count(anomalies, Anomaly.NonIpFrame, DecodeStatus.Skipped);
            }
        }
    }

    private static DecodeStatus DecodeIpByVersion(ReadOnlySpan<byte> frame, int offset, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        if (frame.Length <= offset)
        {
            return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
        }

        return (frame[offset] >> 4) switch
        {
            4 => DecodeIp(4, frame, offset, depth, ref packet, anomalies),
            6 => DecodeIp(6, frame, offset, depth, ref packet, anomalies),
            _ => Count(anomalies, Anomaly.BadIpVersion, DecodeStatus.Malformed),
        };
    }

    private static DecodeStatus DecodeIp(int version, ReadOnlySpan<byte> frame, int offset, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        if (depth > MaxIpNesting)
        {
            return Count(anomalies, Anomaly.TunnelTooDeep, DecodeStatus.Malformed);
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        byte protocol;
        int headerLength;
        int payloadLength;
        bool snapTruncated;
        if (version == 4)
        {
            var status = Ipv4Decoder.TryDecode(ip, out var h4, out headerLength, out payloadLength, out snapTruncated);
            if (status != IpDecodeStatus.Ok)
            {
                return status == IpDecodeStatus.Truncated
                    ? Count(anomalies, Anomaly.TruncatedIpv4, DecodeStatus.Truncated)
                    : Count(anomalies, (ip[0] >> 4) != 4 ? Anomaly.BadIpVersion
                        : (ip[0] & 0x0F) < 5 ? Anomaly.BadIpv4HeaderLength : Anomaly.BadIpv4TotalLength, DecodeStatus.Malformed);
            }

            protocol = h4.Protocol;
            if (h4.FragmentOffset != 0 || h4.MoreFragments)
            {
                packet.Source = IpAddr.FromV4(h4.Source);
                packet.Destination = IpAddr.FromV4(h4.Destination);
                packet.Fragment = new FragmentInfo
                {
                    Version = 4,
                    Protocol = protocol,
                    Identification = h4.Identification,
                    Offset = h4.FragmentOffset,
                    More = h4.MoreFragments,
                    HeaderOffset = offset,
                    HeaderLength = headerLength,
                    DataOffset = offset + headerLength,
                    DataLength = Math.Min(payloadLength, frame.Length - offset - headerLength),
                };
                return Count(anomalies, Anomaly.IpFragment, DecodeStatus.Fragment);
            }

            packet.Source = IpAddr.FromV4(h4.Source);
            packet.Destination = IpAddr.FromV4(h4.Destination);
            packet.IpLength = h4.TotalLength != 0 ? h4.TotalLength : headerLength + payloadLength;
        }
        else
        {
            var status = Ipv6Decoder.TryDecode(ip, out var h6, out headerLength, out payloadLength, out protocol,
                out var fragment, out snapTruncated, out bool tooMany);
            if (status != IpDecodeStatus.Ok)
            {
                return status == IpDecodeStatus.Truncated
                    ? Count(anomalies, Anomaly.TruncatedIpv6, DecodeStatus.Truncated)
                    : Count(anomalies, tooMany ? Anomaly.TooManyIpv6ExtensionHeaders : Anomaly.BadIpVersion, DecodeStatus.Malformed);
            }

            if (fragment.Present)
            {
                packet.Source = IpAddr.FromV6(h6.Source);
                packet.Destination = IpAddr.FromV6(h6.Destination);
                packet.Fragment = new FragmentInfo
                {
                    Version = 6,
                    Protocol = protocol,
                    Identification = fragment.Identification,
                    Offset = fragment.Offset,
                    More = fragment.More,
                    HeaderOffset = offset,
                    HeaderLength = Ipv6Header.Length,
                    DataOffset = offset + headerLength,
                    DataLength = Math.Min(payloadLength, frame.Length - offset - headerLength),
                };
                return Count(anomalies, Anomaly.IpFragment, DecodeStatus.Fragment);
            }

            packet.Source = IpAddr.FromV6(h6.Source);
            packet.Destination = IpAddr.FromV6(h6.Destination);
            packet.IpLength = Ipv6Header.Length + (h6.PayloadLength == 0 ? ip.Length - Ipv6Header.Length : h6.PayloadLength);
        }

        if (snapTruncated)
        {
            packet.SnapTruncated = true;
        }

        int transportOffset = offset + headerLength;
        ReadOnlySpan<byte> transport = frame.Slice(transportOffset, Math.Min(payloadLength, frame.Length - transportOffset));
        switch (protocol)
        {
            case ProtoTcp:
                {
                    var status = TcpDecoder.TryDecode(transport, out var tcp, out int tcpLength);
                    if (status != TransportDecodeStatus.Ok)
                    {
                        return status == TransportDecodeStatus.Truncated
                            ? Count(anomalies, Anomaly.TruncatedTcp, DecodeStatus.Truncated)
                            : Count(anomalies, Anomaly.BadTcpDataOffset, DecodeStatus.Malformed);
                    }

                    if (tcpLength > TcpHeader.MinLength && !TcpDecoder.OptionsWellFormed(tcp.Bytes[TcpHeader.MinLength..]))
                    {
                        anomalies.Increment(Anomaly.BadTcpOptionLength);
                    }

                    packet.Protocol = ProtoTcp;
                    packet.SourcePort = tcp.SourcePort;
                    packet.DestinationPort = tcp.DestinationPort;
                    packet.TcpFlags = tcp.Flags;
                    packet.Sequence = tcp.SequenceNumber;
                    packet.Acknowledgment = tcp.AcknowledgmentNumber;
                    packet.PayloadOffset = transportOffset + tcpLength;
                    packet.PayloadLength = transport.Length - tcpLength;
                    packet.ClaimedPayloadLength = packet.IpLength - (headerLength + tcpLength);
                    if (packet.ClaimedPayloadLength < packet.PayloadLength)
                    {
                        packet.ClaimedPayloadLength = packet.PayloadLength;
                    }

                    break;
                }

            case ProtoUdp:
                {
                    var status = UdpDecoder.TryDecode(transport, out var udp, out int udpLength);
                    if (status != TransportDecodeStatus.Ok)
                    {
                        return status == TransportDecodeStatus.Truncated
                            ? Count(anomalies, Anomaly.TruncatedUdp, DecodeStatus.Truncated)
                            : Count(anomalies, Anomaly.BadUdpLength, DecodeStatus.Malformed);
                    }

                    packet.Protocol = ProtoUdp;
                    packet.SourcePort = udp.SourcePort;
                    packet.DestinationPort = udp.DestinationPort;
                    packet.PayloadOffset = transportOffset + udpLength;
                    int claimed = udp.DatagramLength == 0 ? transport.Length - udpLength : udp.DatagramLength - udpLength;
                    int available = transport.Length - udpLength;
                    packet.ClaimedPayloadLength = claimed;
                    packet.PayloadLength = Math.Min(claimed, available);
                    if (claimed > available)
                    {
                        packet.SnapTruncated = true;
                    }

                    ushort sp = udp.SourcePort, dp = udp.DestinationPort;
                    if (sp == VxlanPort || dp == VxlanPort || sp == GenevePort || dp == GenevePort || dp == TeredoPort || sp == TeredoPort)
                    {
                        var inner = TryUdpTunnel(frame, packet.PayloadOffset, packet.PayloadLength, sp, dp, depth, ref packet, anomalies);
                        if (inner.HasValue)
                        {
                            return inner.Value;
                        }
                    }

                    break;
                }

            case ProtoGre:
                return DecodeGre(frame, transportOffset, transport.Length, depth, ref packet, anomalies);

            case ProtoIpIp:
                SetTunnel(ref packet, TunnelType.IpInIp, 0);
                return DecodeIp(4, frame, transportOffset, depth + 1, ref packet, anomalies);

            case ProtoIpv6:
                SetTunnel(ref packet, TunnelType.SixInFour, 0);
                return DecodeIp(6, frame, transportOffset, depth + 1, ref packet, anomalies);

            case Ipv6Decoder.Esp:
                return Count(anomalies, Anomaly.IpEsp, DecodeStatus.Skipped);

            default:
                return Count(anomalies, Anomaly.OtherTransport, DecodeStatus.Skipped);
        }

        if (packet.SnapTruncated)
        {
            anomalies.Increment(Anomaly.SnapTruncated);
        }

        return DecodeStatus.Ok;
    }

    private static void SetTunnel(ref DecodedPacket packet, TunnelType type, uint id)
    {
        if (packet.Tunnel == TunnelType.None)
        {
            packet.Tunnel = type;
            packet.TunnelId = id;
        }
    }

    /// <summary>VXLAN (RFC 7348), Geneve (RFC 8926) and Teredo (RFC 4380) inside UDP; null when the payload is not one.</summary>
    private static DecodeStatus? TryUdpTunnel(ReadOnlySpan<byte> frame, int offset, int length, ushort sp, ushort dp, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        var p = frame.Slice(offset, length);
        if ((sp == VxlanPort || dp == VxlanPort) && p.Length >= 8 + EthernetHeader.Length && (p[0] & 0x08) != 0)
        {
            uint vni = (uint)((p[4] << 16) | (p[5] << 8) | p[6]);
            return Inner(TunnelType.Vxlan, vni, EtherTypeEthernet, frame, offset + 8, depth, ref packet, anomalies);
        }

        if ((sp == GenevePort || dp == GenevePort) && p.Length >= 8 && (p[0] >> 6) == 0)
        {
            int headerLength = 8 + ((p[0] & 0x3F) * 4);
            ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
            uint vni = (uint)((p[4] << 16) | (p[5] << 8) | p[6]);
            if (p.Length > headerLength && protocol is EtherTypeEthernet or EtherType.Ipv4 or EtherType.Ipv6)
            {
                return Inner(TunnelType.Geneve, vni, protocol, frame, offset + headerLength, depth, ref packet, anomalies);
            }
        }

        if (sp == TeredoPort || dp == TeredoPort)
        {
            int o = 0;
            if (p.Length >= 2 && p[0] == 0 && p[1] == 1 && p.Length >= 4)
            {
                o += 4 + p[2] + p[3] + 8 + 1; // authentication indicator: id len, auth len, nonce, confirmation
            }

            if (p.Length >= o + 8 && p[o] == 0 && p[o + 1] == 0)
            {
                o += 8; // origin indication
            }

            if (p.Length >= o + Ipv6Header.Length && (p[o] >> 4) == 6)
            {
                return Inner(TunnelType.Teredo, 0, EtherType.Ipv6, frame, offset + o, depth, ref packet, anomalies);
            }
        }

        return null;
    }

    /// <summary>GRE (RFC 2784/2890) carrying IP, Ethernet (0x6558) or ERSPAN type I, II (0x88BE) and III (0x22EB).</summary>
    private static DecodeStatus DecodeGre(ReadOnlySpan<byte> frame, int offset, int length, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        var g = frame.Slice(offset, length);
        if (g.Length < 4)
        {
            return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(g);
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(g[2..]);
        int version = flags & 0x0007;
        if (version == 1)
        {
            return DecodeEnhancedGre(g, flags, protocol, frame, offset, depth, ref packet, anomalies);
        }

        if (version != 0)
        {
            return Count(anomalies, Anomaly.OtherTransport, DecodeStatus.Skipped);
        }

        bool hasChecksum = (flags & 0x8000) != 0, hasKey = (flags & 0x2000) != 0, hasSeq = (flags & 0x1000) != 0;
        int h = 4 + (hasChecksum ? 4 : 0);
        uint key = 0;
        if (hasKey)
        {
            if (g.Length < h + 4)
            {
                return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
            }

            key = BinaryPrimitives.ReadUInt32BigEndian(g[h..]);
            h += 4;
        }

        if (hasSeq)
        {
            h += 4;
        }

        if (g.Length < h)
        {
            return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
        }

        switch (protocol)
        {
            case EtherType.Ipv4:
            case EtherType.Ipv6:
            case EtherTypeEthernet:
                return Inner(TunnelType.Gre, key, protocol, frame, offset + h, depth, ref packet, anomalies);

            case EtherTypeErspan2:
                {
                    // Type I has no sequence number and no ERSPAN header; type II has both (8-byte header, version 1).
                    if (!hasSeq)
                    {
                        return Inner(TunnelType.ErspanI, 0, EtherTypeEthernet, frame, offset + h, depth, ref packet, anomalies);
                    }

                    if (g.Length < h + 8)
                    {
                        return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
                    }

                    uint session = (uint)(BinaryPrimitives.ReadUInt16BigEndian(g[(h + 2)..]) & 0x03FF);
                    return Inner(TunnelType.ErspanII, session, EtherTypeEthernet, frame, offset + h + 8, depth, ref packet, anomalies);
                }

            case EtherTypeErspan3:
                {
                    if (g.Length < h + 12)
                    {
                        return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
                    }

                    uint session = (uint)(BinaryPrimitives.ReadUInt16BigEndian(g[(h + 2)..]) & 0x03FF);
                    int erspan = 12 + ((g[h + 11] & 0x01) != 0 ? 8 : 0); // optional platform-specific subheader
                    return Inner(TunnelType.ErspanIII, session, EtherTypeEthernet, frame, offset + h + erspan, depth, ref packet, anomalies);
                }

            default:
                return Count(anomalies, Anomaly.OtherTransport, DecodeStatus.Skipped);
        }
    }

    /// <summary>Enhanced GRE (version 1, RFC 2637 — PPTP) carrying PPP: key = payload length + call id.</summary>
    private static DecodeStatus DecodeEnhancedGre(ReadOnlySpan<byte> g, ushort flags, ushort protocol, ReadOnlySpan<byte> frame, int offset, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        int h = 8 + ((flags & 0x1000) != 0 ? 4 : 0) + ((flags & 0x0080) != 0 ? 4 : 0);
        if (protocol != 0x880B || g.Length < h + 1)
        {
            return Count(anomalies, g.Length < h + 1 ? Anomaly.TruncatedTunnel : Anomaly.OtherTransport, DecodeStatus.Skipped);
        }

        uint callId = BinaryPrimitives.ReadUInt16BigEndian(g[6..]);
        var ppp = g[h..];
        int o = 0;
        if (ppp.Length >= 2 && ppp[0] == 0xFF && ppp[1] == 0x03)
        {
            o = 2; // address and control fields (not compressed)
        }

        if (ppp.Length <= o)
        {
            return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
        }

        int pppProtocol;
        if ((ppp[o] & 1) != 0)
        {
            pppProtocol = ppp[o];
            o += 1; // protocol field compression
        }
        else if (ppp.Length >= o + 2)
        {
            pppProtocol = BinaryPrimitives.ReadUInt16BigEndian(ppp[o..]);
            o += 2;
        }
        else
        {
            return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
        }

        return pppProtocol switch
        {
            0x21 => Inner(TunnelType.Gre, callId, EtherType.Ipv4, frame, offset + h + o, depth, ref packet, anomalies),
            0x57 => Inner(TunnelType.Gre, callId, EtherType.Ipv6, frame, offset + h + o, depth, ref packet, anomalies),
            _ => Count(anomalies, Anomaly.NonIpFrame, DecodeStatus.Skipped),
        };
    }

    private const ushort EtherTypeEthernet = 0x6558; // transparent Ethernet bridging
    private const ushort EtherTypeErspan2 = 0x88BE;
    private const ushort EtherTypeErspan3 = 0x22EB;

    private static DecodeStatus Inner(TunnelType type, uint id, ushort protocol, ReadOnlySpan<byte> frame, int offset, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        if (depth >= MaxIpNesting)
        {
            return Count(anomalies, Anomaly.TunnelTooDeep, DecodeStatus.Malformed);
        }

        var saved = packet;
        packet = default;
        packet.VlanId = saved.VlanId;
        packet.Tunnel = saved.Tunnel;
        packet.TunnelId = saved.TunnelId;
        SetTunnel(ref packet, type, id);
        if (offset > frame.Length)
        {
            return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
        }

        if (protocol == EtherTypeEthernet)
        {
            if (frame.Length - offset < EthernetHeader.Length)
            {
                return Count(anomalies, Anomaly.TruncatedTunnel, DecodeStatus.Truncated);
            }

            ushort inner = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 12)..]);
            return DecodeEtherType(inner, frame, offset + EthernetHeader.Length, depth + 1, ref packet, anomalies);
        }

        return DecodeIp(protocol == EtherType.Ipv6 ? 6 : 4, frame, offset, depth + 1, ref packet, anomalies);
    }

    private static DecodeStatus Count(AnomalyCounters anomalies, Anomaly anomaly, DecodeStatus status)
    {
        anomalies.Increment(anomaly);
        return status;
    }
}
