using System.Buffers.Binary;
using Sniffer.Decoding;
using Sniffer.Fuzz.Support;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>
/// The decode chain (link → VLAN/MPLS/PPPoE → IP → tunnels → TCP/UDP) and the IP defragmenter. Input: 2 bytes
/// that select the link type (big-endian, modulo the supported list), then the frame. The frame may be followed by
/// more frames, each after <see cref="Separator"/>, so that several fragments of one datagram meet in one
/// <see cref="IpDefragmenter"/>. Every fragment is added to it; every datagram it rebuilds (complete, or partial at
/// expiry) is decoded again as raw IP, as the packet processor does — a rebuilt datagram that is itself a fragment
/// as deep as <see cref="PacketDecoder.MaxIpNesting"/>, like the processor.
/// </summary>
internal sealed class DecodeChainFuzzer : IFuzzer
{
    /// <summary>Splits the input into frames (in link.dict too, so mutations can add frames).</summary>
    public static ReadOnlySpan<byte> Separator => "FRAG~~"u8;

    /// <summary>The link types <see cref="LinkType.IsSupported"/> accepts, in selector order.</summary>
    public static readonly int[] LinkTypes =
        [LinkType.Ethernet, LinkType.LinuxSll, LinkType.LinuxSll2, LinkType.Raw, LinkType.Null, LinkType.Loop, LinkType.Ipv4, LinkType.Ipv6];

    public string Name => "decode-chain";

    public string[] Dictionaries => ["link.dict"];

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        int linkType = LinkTypes[BinaryPrimitives.ReadUInt16BigEndian(input) % LinkTypes.Length];
        var anomalies = new AnomalyCounters();
        var defragmenter = new IpDefragmenter(anomalies);
        var rebuilt = new Queue<(byte[] Packet, int Depth)>();
        long now = 1_000_000_000L;
        var rest = input[2..];
        while (true)
        {
            int next = rest.IndexOf(Separator);
            var frame = next < 0 ? rest : rest[..next];
            now += 1_000_000;
            Decode(linkType, frame, 0, now, anomalies, defragmenter, rebuilt);
            DrainRebuilt(now, anomalies, defragmenter, rebuilt);
            if (next < 0)
            {
                break;
            }

            rest = rest[(next + Separator.Length)..];
        }

        // End of input: every datagram still waiting is handed back (partial) or dropped.
        while (defragmenter.Expire(now, out var partial, all: true))
        {
            rebuilt.Enqueue((Copy(partial), 0));
            DrainRebuilt(now, anomalies, defragmenter, rebuilt);
        }

        if (defragmenter.Pending != 0 || defragmenter.MemoryInUse != 0)
        {
            throw new FuzzInvariantException($"after expiring everything the defragmenter still holds {defragmenter.Pending} datagrams, {defragmenter.MemoryInUse} bytes");
        }
    }

    private static void DrainRebuilt(long now, AnomalyCounters anomalies, IpDefragmenter defragmenter, Queue<(byte[] Packet, int Depth)> rebuilt)
    {
        // Iterative, not recursive: a rebuilt datagram may itself be a fragment (tunnel inside fragments).
        while (rebuilt.TryDequeue(out var next))
        {
            Decode(LinkType.Raw, next.Packet, next.Depth, now, anomalies, defragmenter, rebuilt);
        }
    }

    /// <param name="depth">How many rebuilt datagrams the frame is nested in (0: it came in the input).</param>
    private static void Decode(int linkType, ReadOnlySpan<byte> frame, int depth, long now, AnomalyCounters anomalies, IpDefragmenter defragmenter, Queue<(byte[] Packet, int Depth)> rebuilt)
    {
        var packet = default(DecodedPacket);
        var status = PacketDecoder.Decode(linkType, frame, ref packet, anomalies);
        if (linkType == LinkType.Ethernet)
        {
            CompareWithChain(frame, status, packet);
        }

        switch (status)
        {
            case DecodeStatus.Ok:
                // What the packet processor does next: the payload must lie inside the frame.
                var payload = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
                if (packet.Protocol is not (PacketDecoder.ProtoTcp or PacketDecoder.ProtoUdp) || packet.ClaimedPayloadLength < payload.Length)
                {
                    throw new FuzzInvariantException($"Ok with protocol {packet.Protocol}, payload {payload.Length}, claimed {packet.ClaimedPayloadLength}");
                }

                break;

            case DecodeStatus.Fragment:
                if (depth <= PacketDecoder.MaxIpNesting && defragmenter.Add(packet, frame, now, out var whole))
                {
                    rebuilt.Enqueue((Copy(whole), depth + 1));
                }

                break;

            case DecodeStatus.UnsupportedLinkType:
                throw new FuzzInvariantException($"link type {linkType} is supported but the decoder said UnsupportedLinkType");
        }
    }

    /// <summary>The decoder's one-pass path for the common shape must agree with the general chain (or step aside).</summary>
    private static void CompareWithChain(ReadOnlySpan<byte> frame, DecodeStatus status, in DecodedPacket packet)
    {
        var fastAnomalies = new AnomalyCounters();
        var chainAnomalies = new AnomalyCounters();
        var fast = default(DecodedPacket);
        var chain = default(DecodedPacket);
        var fastStatus = PacketDecoder.Decode(LinkType.Ethernet, frame, ref fast, fastAnomalies, commonShapeFirst: true);
        var chainStatus = PacketDecoder.Decode(LinkType.Ethernet, frame, ref chain, chainAnomalies, commonShapeFirst: false);
        if (fastStatus != status || chainStatus != status || !fast.Equals(chain) || !fast.Equals(packet))
        {
            throw new FuzzInvariantException($"fast path {fastStatus} and chain {chainStatus} disagree on a frame of {frame.Length} bytes");
        }

        for (var a = (Anomaly)0; a < Anomaly.Count; a++)
        {
            if (fastAnomalies[a] != chainAnomalies[a])
            {
                throw new FuzzInvariantException($"fast path and chain count {AnomalyCounters.Name(a)} differently");
            }
        }
    }

    private static byte[] Copy(in IpDefragmenter.Reassembled r)
    {
        byte[] bytes = r.Packet.ToArray();
        IpDefragmenter.Return(r);
        return bytes;
    }

    /// <summary>A seed: selector for <paramref name="linkType"/>, then the frames joined by <see cref="Separator"/>.</summary>
    public static byte[] Input(int linkType, params byte[][] frames)
    {
        var ms = new MemoryStream();
        ms.Write([0, (byte)Array.IndexOf(LinkTypes, linkType)]);
        for (int i = 0; i < frames.Length; i++)
        {
            if (i > 0)
            {
                ms.Write(Separator);
            }

            ms.Write(frames[i]);
        }

        return ms.ToArray();
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material)
    {
        byte[] request = SeedMaterial.HttpRequest;
        byte[] tcp = FrameBuilder.Tcp(50000, SeedMaterial.Port, 1000, 2000, FrameBuilder.Psh | FrameBuilder.Ack, request);
        byte[] udp = FrameBuilder.Udp(53000, SeedMaterial.Port, SeedMaterial.DnsQuery("example.com"));
        byte[] ip4 = FrameBuilder.Ipv4("10.1.1.1", "10.2.2.2", 6, tcp);
        byte[] ip6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 6, tcp);
        byte[] inner = FrameBuilder.Ethernet(0x0800, ip4);

        yield return ("eth-ipv4-tcp", Input(LinkType.Ethernet, inner));
        yield return ("eth-ipv4-udp", Input(LinkType.Ethernet, FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.1.1.1", "10.2.2.2", 17, udp))));
        yield return ("eth-ipv6-tcp", Input(LinkType.Ethernet, FrameBuilder.Ethernet(0x86DD, ip6)));
        yield return ("eth-vlan-qinq", Input(LinkType.Ethernet, QinQ(ip4)));
        yield return ("eth-mpls", Input(LinkType.Ethernet, FrameBuilder.Ethernet(0x8847, [0, 0x01, 0x00, 0x40, 0, 0x02, 0x01, 0x40, .. ip4])));
        yield return ("eth-pppoe", Input(LinkType.Ethernet, FrameBuilder.Ethernet(0x8864, [0x11, 0, 0, 1, .. U16(ip4.Length + 2), 0x00, 0x21, .. ip4])));
        yield return ("eth-arp", Input(LinkType.Ethernet, FrameBuilder.Ethernet(0x0806, new byte[28])));
        yield return ("sll-ipv4", Input(LinkType.LinuxSll, FrameBuilder.Sll(0x0800, ip4)));
        yield return ("sll2-ipv6", Input(LinkType.LinuxSll2, FrameBuilder.Sll2(0x86DD, ip6)));
        yield return ("raw-ipv4", Input(LinkType.Raw, ip4));
        yield return ("raw-ipv6-ext-headers", Input(LinkType.Raw, FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 0, tcp, [60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0])));
        yield return ("null-ipv4", Input(LinkType.Null, [2, 0, 0, 0, .. ip4]));
        yield return ("loop-ipv6", Input(LinkType.Loop, [0, 0, 0, 24, .. ip6]));
        yield return ("ipv4-linktype", Input(LinkType.Ipv4, ip4));
        yield return ("ipv6-linktype", Input(LinkType.Ipv6, ip6));
        yield return ("ipip", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 4, ip4)));
        yield return ("6in4", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 41, ip6)));
        yield return ("gre-key-seq-ipv4", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0x30, 0, 0x08, 0, 0, 0, 0, 42, 0, 0, 0, 1, .. ip4])));
        yield return ("gre-checksum-ethernet", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0x80, 0, 0x65, 0x58, 0, 0, 0, 0, .. inner])));
        yield return ("gre-pptp-ppp", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0x30, 0x81, 0x88, 0x0B, .. U16(ip4.Length + 4), 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0xFF, 0x03, 0x00, 0x21, .. ip4])));
        yield return ("erspan1", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0x00, 0, 0x88, 0xBE, .. inner])));
        yield return ("erspan2", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0x10, 0, 0x88, 0xBE, 0, 0, 0, 1, 0x10, 0, 0, 5, 0, 0, 0, 0, .. inner])));
        yield return ("erspan3", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0x10, 0, 0x22, 0xEB, 0, 0, 0, 1, 0x20, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, .. inner])));
        yield return ("vxlan", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 17, FrameBuilder.Udp(40000, PacketDecoder.VxlanPort, [0x08, 0, 0, 0, 0, 0, 5, 0, .. inner]))));
        yield return ("geneve", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 17, FrameBuilder.Udp(40000, PacketDecoder.GenevePort, [0x02, 0, 0x65, 0x58, 0, 0, 9, 0, 0x01, 0x02, 0x80, 0x01, 0, 0, 0, 0, .. inner]))));
        yield return ("teredo", Input(LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 17, FrameBuilder.Udp(40000, PacketDecoder.TeredoPort, [0, 1, 0, 0, .. new byte[9], 0, 0, 0x0e, 0x28, 1, 2, 3, 4, .. ip6]))));

        byte[] datagram = FrameBuilder.Udp(53000, SeedMaterial.Port, SeedMaterial.Binary(600, 11));
        yield return ("ipv4-fragments", Input(LinkType.Ethernet, [.. V4Fragments(datagram, 256)]));
        yield return ("ipv4-fragments-reversed-overlap", Input(LinkType.Ethernet, [.. V4Fragments(datagram, 256).AsEnumerable().Reverse(), V4Fragments(datagram, 128)[1]]));
        yield return ("ipv6-fragments", Input(LinkType.Ethernet, [.. V6Fragments(datagram, 256)]));
        yield return ("ipv4-first-fragment-only", Input(LinkType.Ethernet, V4Fragments(datagram, 256)[0]));
        yield return ("fragments-in-gre", Input(LinkType.Raw, [.. V4Fragments(datagram, 256).Select(f => FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 47, [0, 0, 0x65, 0x58, .. f]))]));

        foreach (var capture in material.RealCaptures.Take(40))
        {
            var byLink = capture.Packets.GroupBy(p => p.LinkType).First();
            if (Array.IndexOf(LinkTypes, byLink.Key) < 0)
            {
                continue;
            }

            yield return ($"real-{capture.Name}", Input(byLink.Key, [.. byLink.Take(3).Select(p => p.Frame)]));
        }
    }

    private static byte[] QinQ(byte[] ip4)
    {
        byte[] f = FrameBuilder.Ethernet(0x0800, ip4, 100, 200);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x88A8);
        return f;
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static List<byte[]> V4Fragments(byte[] transport, int size, ushort id = 77)
    {
        var list = new List<byte[]>();
        for (int o = 0; o < transport.Length; o += size)
        {
            int n = Math.Min(size, transport.Length - o);
            byte[] ip = FrameBuilder.Ipv4("10.1.1.1", "10.2.2.2", 17, transport.AsSpan(o, n), id: id);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), (ushort)((o / 8) | (o + n < transport.Length ? 0x2000 : 0)));
            list.Add(FrameBuilder.Ethernet(0x0800, ip));
        }

        return list;
    }

    public static List<byte[]> V6Fragments(byte[] transport, int size, uint id = 0x1234)
    {
        var list = new List<byte[]>();
        for (int o = 0; o < transport.Length; o += size)
        {
            int n = Math.Min(size, transport.Length - o);
            byte[] header = [17, 0, .. U16(o | (o + n < transport.Length ? 1 : 0)), 0, 0, 0, 0];
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), id);
            list.Add(FrameBuilder.Ethernet(0x86DD, FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 44, transport.AsSpan(o, n), header)));
        }

        return list;
    }
}
