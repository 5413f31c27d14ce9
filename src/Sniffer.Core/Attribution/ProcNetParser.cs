using System.Buffers.Binary;
using Sniffer.Decoding;

namespace Sniffer.Attribution;

/// <summary>TCP states as /proc/net/tcp prints them (the kernel's <c>TCP_*</c> enum); UDP uses 1 and 7.</summary>
public static class SocketState
{
    public const byte Established = 0x01;
    public const byte SynSent = 0x02;
    public const byte SynReceived = 0x03;
    public const byte FinWait1 = 0x04;
    public const byte FinWait2 = 0x05;
    public const byte TimeWait = 0x06;
    /// <summary>TCP: closed; UDP: an unconnected socket (bound, no peer).</summary>
    public const byte Close = 0x07;
    public const byte CloseWait = 0x08;
    public const byte LastAck = 0x09;
    public const byte Listen = 0x0A;
    public const byte Closing = 0x0B;
    public const byte NewSynReceived = 0x0C;
}

/// <summary>One line of /proc/net/{tcp,tcp6,udp,udp6}. IPv4-mapped IPv6 addresses are given as IPv4.</summary>
public readonly record struct SocketEntry(IpAddr LocalIp, ushort LocalPort, IpAddr RemoteIp, ushort RemotePort, byte State, uint Uid, ulong Inode)
{
    /// <summary>Bound to every address (0.0.0.0 or ::).</summary>
    public bool LocalIsAny => LocalIp == default || LocalIp == ProcNetParser.Ipv6Any;
}

/// <summary>
/// Parses the kernel's socket tables, one line at a time, from a span (no allocation, nothing thrown):
/// <code>
///   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
///    0: 0100007F:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 24114 1 …
/// </code>
/// An IPv4 address is the 32-bit word as it lies in memory printed with <c>%08X</c>, so on a little-endian
/// machine the bytes are reversed (<c>0100007F</c> is 127.0.0.1). An IPv6 address is four such words, each
/// reversed on its own (<c>::1</c> is <c>00000000000000000000000001000000</c>). Ports are in host order.
/// </summary>
public static class ProcNetParser
{
    /// <summary>Hex digits of an IPv4 / IPv6 address in the tables.</summary>
    public const int Ipv4HexLength = 8;
    public const int Ipv6HexLength = 32;

    public static readonly IpAddr Ipv6Any = IpAddr.FromV6(new byte[16]);

    /// <summary>Parses one table line (header and malformed lines: false).</summary>
    /// <param name="littleEndian">The byte order of the machine that wrote the table (this one, in production).</param>
    public static bool TryParseLine(ReadOnlySpan<byte> line, bool littleEndian, out SocketEntry entry)
    {
        entry = default;
        // Fields: "sl:" local remote st tx:rx tr:when retrnsmt uid timeout inode …
        if (!NextField(ref line, out var slot) || slot.IsEmpty || slot[^1] != (byte)':' ||
            !NextField(ref line, out var local) || !NextField(ref line, out var remote) ||
            !NextField(ref line, out var state) || !NextField(ref line, out _) || !NextField(ref line, out _) ||
            !NextField(ref line, out _) || !NextField(ref line, out var uid) || !NextField(ref line, out _) ||
            !NextField(ref line, out var inode))
        {
            return false;
        }

        if (!TryParseEndpoint(local, littleEndian, out var localIp, out ushort localPort) ||
            !TryParseEndpoint(remote, littleEndian, out var remoteIp, out ushort remotePort) ||
            state.Length != 2 || !TryParseHex(state, out ulong st) ||
            !TryParseDecimal(uid, out ulong uidValue) || uidValue > uint.MaxValue ||
            !TryParseDecimal(inode, out ulong inodeValue))
        {
            return false;
        }

        entry = new SocketEntry(localIp, localPort, remoteIp, remotePort, (byte)st, (uint)uidValue, inodeValue);
        return true;
    }

    /// <summary>"0100007F:0E28" or the 32-digit IPv6 form; IPv4-mapped IPv6 comes back as IPv4.</summary>
    public static bool TryParseEndpoint(ReadOnlySpan<byte> text, bool littleEndian, out IpAddr ip, out ushort port)
    {
        ip = default;
        port = 0;
        int colon = text.IndexOf((byte)':');
        if (colon < 0 || text.Length - colon - 1 != 4 || !TryParseHex(text[(colon + 1)..], out ulong p))
        {
            return false;
        }

        port = (ushort)p;
        var address = text[..colon];
        if (address.Length == Ipv4HexLength)
        {
            if (!TryParseHex(address, out ulong word))
            {
                return false;
            }

            ip = IpAddr.FromV4(Word((uint)word, littleEndian));
            return true;
        }

        if (address.Length != Ipv6HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        for (int i = 0; i < 4; i++)
        {
            if (!TryParseHex(address.Slice(i * 8, 8), out ulong word))
            {
                return false;
            }

            BinaryPrimitives.WriteUInt32BigEndian(bytes[(i * 4)..], Word((uint)word, littleEndian));
        }

        ip = IsV4Mapped(bytes) ? IpAddr.FromV4(bytes[12..]) : IpAddr.FromV6(bytes);
        return true;
    }

    /// <summary>::ffff:a.b.c.d — what a dual-stack (AF_INET6) socket shows for an IPv4 peer.</summary>
    public static bool IsV4Mapped(ReadOnlySpan<byte> sixteen) =>
        sixteen[..10].IndexOfAnyExcept((byte)0) < 0 && sixteen[10] == 0xFF && sixteen[11] == 0xFF;

    /// <summary>The printed word back to network order (as a big-endian number).</summary>
    private static uint Word(uint printed, bool littleEndian) => littleEndian ? BinaryPrimitives.ReverseEndianness(printed) : printed;

    private static bool NextField(ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> field)
    {
        int start = line.IndexOfAnyExcept((byte)' ', (byte)'\t');
        if (start < 0)
        {
            field = default;
            return false;
        }

        line = line[start..];
        int end = line.IndexOfAny((byte)' ', (byte)'\t');
        if (end < 0)
        {
            end = line.Length;
        }

        field = line[..end];
        line = line[end..];
        return true;
    }

    private static bool TryParseHex(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 16)
        {
            return false;
        }

        foreach (byte b in text)
        {
            int d = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                _ => -1,
            };
            if (d < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)d;
        }

        return true;
    }

    /// <summary>Unsigned decimal of 1–19 digits, nothing else (no sign, no spaces).</summary>
    internal static bool TryParseDecimal(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 19)
        {
            return false;
        }

        foreach (byte b in text)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (ulong)(b - '0');
        }

        return true;
    }
}
