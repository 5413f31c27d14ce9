using System.Buffers.Binary;
using System.Net;

namespace Sniffer.Tests.Support;

/// <summary>Builds hand-made frames (Ethernet/VLAN/SLL → IPv4/IPv6 → TCP/UDP) for decoder and pipeline tests.</summary>
public static class FrameBuilder
{
    public static byte[] Ipv4(string src, string dst, byte protocol, ReadOnlySpan<byte> transport, byte ttl = 64, ushort id = 1)
    {
        var b = new byte[20 + transport.Length];
        b[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), id);
        b[6] = 0x40; // DF
        b[8] = ttl;
        b[9] = protocol;
        IPAddress.Parse(src).TryWriteBytes(b.AsSpan(12), out _);
        IPAddress.Parse(dst).TryWriteBytes(b.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), Checksum(b.AsSpan(0, 20)));
        transport.CopyTo(b.AsSpan(20));
        return b;
    }

    public static byte[] Ipv6(string src, string dst, byte nextHeader, ReadOnlySpan<byte> payload, byte[]? extensionHeaders = null)
    {
        extensionHeaders ??= [];
        var b = new byte[40 + extensionHeaders.Length + payload.Length];
        b[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)(extensionHeaders.Length + payload.Length));
        b[6] = nextHeader;
        b[7] = 64;
        IPAddress.Parse(src).TryWriteBytes(b.AsSpan(8), out _);
        IPAddress.Parse(dst).TryWriteBytes(b.AsSpan(24), out _);
        extensionHeaders.CopyTo(b.AsSpan(40));
        payload.CopyTo(b.AsSpan(40 + extensionHeaders.Length));
        return b;
    }

    public static byte[] Tcp(ushort sport, ushort dport, uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload)
    {
        var b = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, sport);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), ack);
        b[12] = 5 << 4;
        b[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), 65535);
        payload.CopyTo(b.AsSpan(20));
        return b;
    }

    public static byte[] Udp(ushort sport, ushort dport, ReadOnlySpan<byte> payload)
    {
        var b = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, sport);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)b.Length);
        payload.CopyTo(b.AsSpan(8));
        return b;
    }

    public static byte[] Ethernet(ushort etherType, ReadOnlySpan<byte> payload, params ushort[] vlans)
    {
        var b = new byte[14 + (4 * vlans.Length) + payload.Length];
        for (int i = 0; i < 6; i++)
        {
            b[i] = 0x02;
            b[6 + i] = 0x04;
        }

        int o = 12;
        foreach (ushort v in vlans)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o + 2), v);
            o += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o), etherType);
        payload.CopyTo(b.AsSpan(o + 2));
        return b;
    }

    public static byte[] Sll(ushort protocol, ReadOnlySpan<byte> payload)
    {
        var b = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, 0);       // packet type: to us
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), 772); // ARPHRD_LOOPBACK
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), 6);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), protocol);
        payload.CopyTo(b.AsSpan(16));
        return b;
    }

    public static byte[] Sll2(ushort protocol, ReadOnlySpan<byte> payload)
    {
        var b = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, protocol);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 1);   // ifindex
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), 1);   // ARPHRD_ETHER
        b[11] = 6;
        payload.CopyTo(b.AsSpan(20));
        return b;
    }

    /// <summary>An Ethernet/IPv4/TCP frame.</summary>
    public static byte[] TcpFrame(string src, ushort sport, string dst, ushort dport, uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload = default) =>
        Ethernet(0x0800, Ipv4(src, dst, 6, Tcp(sport, dport, seq, ack, flags, payload)));

    public static byte[] UdpFrame(string src, ushort sport, string dst, ushort dport, ReadOnlySpan<byte> payload) =>
        Ethernet(0x0800, Ipv4(src, dst, 17, Udp(sport, dport, payload)));

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;
}

/// <summary>One packet for a capture file.</summary>
public readonly record struct CapturedFrame(long TimestampNs, byte[] Data, int WireLength = -1);

/// <summary>Writes classic pcap and pcapng files in memory (both byte orders) for reader and pipeline tests.</summary>
public static class CaptureBuilder
{
    public static byte[] Pcap(int linkType, IEnumerable<CapturedFrame> frames, bool bigEndian = false, bool nanoseconds = false)
    {
        var ms = new MemoryStream();
        Span<byte> h = stackalloc byte[24];
        W32(h, nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u, bigEndian);
        W16(h[4..], 2, bigEndian);
        W16(h[6..], 4, bigEndian);
        W32(h[16..], 262144, bigEndian);
        W32(h[20..], (uint)linkType, bigEndian);
        ms.Write(h);
        Span<byte> r = stackalloc byte[16];
        foreach (var f in frames)
        {
            long sec = f.TimestampNs / 1_000_000_000L;
            long frac = f.TimestampNs % 1_000_000_000L;
            W32(r, (uint)sec, bigEndian);
            W32(r[4..], (uint)(nanoseconds ? frac : frac / 1000), bigEndian);
            W32(r[8..], (uint)f.Data.Length, bigEndian);
            W32(r[12..], (uint)(f.WireLength < 0 ? f.Data.Length : f.WireLength), bigEndian);
            ms.Write(r);
            ms.Write(f.Data);
        }

        return ms.ToArray();
    }

    /// <summary>A pcapng file: one section, one interface per entry of <paramref name="linkTypes"/>; frames go to interface <c>ifaceOf(i)</c>.</summary>
    public static byte[] Pcapng(int[] linkTypes, IEnumerable<CapturedFrame> frames, bool bigEndian = false, byte tsResol = 6, Func<int, int>? ifaceOf = null)
    {
        var ms = new MemoryStream();
        // Section Header Block
        Block(ms, 0x0A0D0D0A, bigEndian, body =>
        {
            var b = new byte[16];
            W32(b, 0x1A2B3C4D, bigEndian);
            W16(b.AsSpan(4), 1, bigEndian);
            W16(b.AsSpan(6), 0, bigEndian);
            W64(b.AsSpan(8), ulong.MaxValue, bigEndian);
            body.Write(b);
        });
        foreach (int lt in linkTypes)
        {
            Block(ms, 1, bigEndian, body =>
            {
                var b = new byte[8 + 8 + 4];
                W16(b, (ushort)lt, bigEndian);
                W32(b.AsSpan(4), 262144, bigEndian);
                W16(b.AsSpan(8), 9, bigEndian);   // if_tsresol
                W16(b.AsSpan(10), 1, bigEndian);
                b[12] = tsResol;
                // opt_endofopt
                body.Write(b);
            });
        }

        // An unknown block type that readers must skip by its length.
        Block(ms, 0x0BAD, bigEndian, body => body.Write(new byte[8]));
        int i = 0;
        foreach (var f in frames)
        {
            int iface = ifaceOf?.Invoke(i) ?? 0;
            i++;
            Block(ms, 6, bigEndian, body =>
            {
                var b = new byte[20];
                ulong units = tsResol == 9 ? (ulong)f.TimestampNs : (ulong)(f.TimestampNs / 1000);
                W32(b, (uint)iface, bigEndian);
                W32(b.AsSpan(4), (uint)(units >> 32), bigEndian);
                W32(b.AsSpan(8), (uint)units, bigEndian);
                W32(b.AsSpan(12), (uint)f.Data.Length, bigEndian);
                W32(b.AsSpan(16), (uint)(f.WireLength < 0 ? f.Data.Length : f.WireLength), bigEndian);
                body.Write(b);
                body.Write(f.Data);
                body.Write(new byte[(4 - (f.Data.Length % 4)) % 4]);
            });
        }

        return ms.ToArray();
    }

    private static void Block(MemoryStream ms, uint type, bool bigEndian, Action<MemoryStream> writeBody)
    {
        var body = new MemoryStream();
        writeBody(body);
        uint total = (uint)(12 + body.Length);
        Span<byte> h = stackalloc byte[8];
        W32(h, type, bigEndian);
        W32(h[4..], total, bigEndian);
        ms.Write(h);
        ms.Write(body.ToArray());
        ms.Write(h[4..8]);
    }

    private static void W16(Span<byte> s, ushort v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    private static void W32(Span<byte> s, uint v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    private static void W64(Span<byte> s, ulong v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt64BigEndian(s, v); else BinaryPrimitives.WriteUInt64LittleEndian(s, v);
    }
}
