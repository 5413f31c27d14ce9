using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace Sniffer.Decoding;

/// <summary>An IPv4 or IPv6 address held by value (no allocation), comparable and hashable.</summary>
public readonly struct IpAddr : IEquatable<IpAddr>, IComparable<IpAddr>
{
    // IPv4 is held in Lo (low 32 bits) with Hi = 0 and IsV6 = false.
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly bool _v6;

    private IpAddr(ulong hi, ulong lo, bool v6)
    {
        _hi = hi;
        _lo = lo;
        _v6 = v6;
    }

    public bool IsV6 => _v6;

    /// <summary>High 64 bits of an IPv6 address (0 for IPv4).</summary>
    internal ulong Hi => _hi;

    /// <summary>Low 64 bits of an IPv6 address, or the IPv4 address in host order.</summary>
    internal ulong Lo => _lo;

    internal static IpAddr FromParts(ulong hi, ulong lo, bool v6) => new(hi, lo, v6);

    /// <summary>Bytes of the address on the wire: 4 or 16.</summary>
    public int Length => _v6 ? 16 : 4;

    public static IpAddr FromV4(ReadOnlySpan<byte> fourBytes) =>
        new(0, BinaryPrimitives.ReadUInt32BigEndian(fourBytes), false);

    public static IpAddr FromV4(uint hostOrder) => new(0, hostOrder, false);

    public static IpAddr FromV6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]), true);

    public static IpAddr Parse(string text)
    {
        var ip = IPAddress.Parse(text);
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out int n);
        return n == 4 ? FromV4(b[..4]) : FromV6(b);
    }

    /// <summary>Writes the network-order bytes; returns the count (4 or 16).</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (!_v6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_lo);
            return 4;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
        return 16;
    }

    /// <summary>Formats as text (dotted quad, or RFC 5952 for IPv6) into UTF-8.</summary>
    public bool TryFormat(Span<byte> utf8, out int written)
    {
        if (!_v6)
        {
            written = 0;
            if (utf8.Length < 15)
            {
                return false;
            }

            uint v = (uint)_lo;
            int n = 0;
            for (int i = 24; i >= 0; i -= 8)
            {
                uint b = (v >> i) & 0xFF;
                if (b >= 100)
                {
                    utf8[n++] = (byte)('0' + (b / 100));
                    b %= 100;
                    utf8[n++] = (byte)('0' + (b / 10));
                    utf8[n++] = (byte)('0' + (b % 10));
                }
                else if (b >= 10)
                {
                    utf8[n++] = (byte)('0' + (b / 10));
                    utf8[n++] = (byte)('0' + (b % 10));
                }
                else
                {
                    utf8[n++] = (byte)('0' + b);
                }

                if (i > 0)
                {
                    utf8[n++] = (byte)'.';
                }
            }

            written = n;
            return true;
        }

        Span<byte> raw = stackalloc byte[16];
        WriteBytes(raw);
        return new IPAddress(raw).TryFormat(utf8, out written);
    }

    public override string ToString()
    {
        Span<byte> buf = stackalloc byte[64];
        return TryFormat(buf, out int n) ? System.Text.Encoding.ASCII.GetString(buf[..n]) : "?";
    }

    public bool Equals(IpAddr other) => _lo == other._lo && _hi == other._hi && _v6 == other._v6;

    public override bool Equals(object? obj) => obj is IpAddr a && Equals(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        ulong h = (_hi * 0x9E3779B97F4A7C15UL) ^ _lo;
        return (int)(h ^ (h >> 32));
    }

    public int CompareTo(IpAddr other)
    {
        if (_v6 != other._v6)
        {
            return _v6 ? 1 : -1;
        }

        int c = _hi.CompareTo(other._hi);
        return c != 0 ? c : _lo.CompareTo(other._lo);
    }

    public static bool operator ==(IpAddr left, IpAddr right) => left.Equals(right);

    public static bool operator !=(IpAddr left, IpAddr right) => !left.Equals(right);

    public static bool operator <(IpAddr left, IpAddr right) => left.CompareTo(right) < 0;

    public static bool operator >(IpAddr left, IpAddr right) => left.CompareTo(right) > 0;

    public static bool operator <=(IpAddr left, IpAddr right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IpAddr left, IpAddr right) => left.CompareTo(right) >= 0;
}
