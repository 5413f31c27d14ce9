using System.Buffers.Binary;

namespace Sniffer.Decoding;

/// <summary>TCP flag bits (low byte of the flags field).</summary>
[Flags]
public enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
}

/// <summary>A view of a TCP header including options.</summary>
public readonly ref struct TcpHeader
{
    public const int MinLength = 20;

    public TcpHeader(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    public ReadOnlySpan<byte> Bytes { get; }
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(Bytes);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(Bytes[2..]);
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(Bytes[4..]);
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(Bytes[8..]);
    public int HeaderLength => (Bytes[12] >> 4) * 4;
    public TcpFlags Flags => (TcpFlags)Bytes[13];
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(Bytes[14..]);
}

/// <summary>A view of a UDP header (8 bytes).</summary>
public readonly ref struct UdpHeader
{
    public const int Length = 8;

    public UdpHeader(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    public ReadOnlySpan<byte> Bytes { get; }
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(Bytes);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(Bytes[2..]);
    public ushort DatagramLength => BinaryPrimitives.ReadUInt16BigEndian(Bytes[4..]);
}

public enum TransportDecodeStatus : byte
{
    Ok,
    Truncated,
    Malformed,
}

public static class TcpDecoder
{
    public static TransportDecodeStatus TryDecode(ReadOnlySpan<byte> source, out TcpHeader header, out int bytesConsumed)
    {
        header = default;
        bytesConsumed = 0;
        if (source.Length < TcpHeader.MinLength)
        {
            return TransportDecodeStatus.Truncated;
        }

        int hl = (source[12] >> 4) * 4;
        if (hl < TcpHeader.MinLength)
        {
            return TransportDecodeStatus.Malformed;
        }

        if (source.Length < hl)
        {
            return TransportDecodeStatus.Truncated;
        }

        header = new TcpHeader(source[..hl]);
        bytesConsumed = hl;
        return TransportDecodeStatus.Ok;
    }

    /// <summary>
    /// Walks the options area of a TCP header (RFC 9293 3.1): false when an option's length byte is missing, below 2,
    /// or runs past the header. The segment is still used; the caller counts <c>bad_tcp_option_length</c>.
    /// </summary>
    public static bool OptionsWellFormed(ReadOnlySpan<byte> options)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == 0)
            {
                return true; // end of option list
            }

            if (kind == 1)
            {
                i++; // no-operation
                continue;
            }

            if (i + 1 >= options.Length)
            {
                return false;
            }

            int length = options[i + 1];
            if (length < 2 || i + length > options.Length)
            {
                return false;
            }

            i += length;
        }

        return true;
    }
}

public static class UdpDecoder
{
    public static TransportDecodeStatus TryDecode(ReadOnlySpan<byte> source, out UdpHeader header, out int bytesConsumed)
    {
        header = default;
        bytesConsumed = 0;
        if (source.Length < UdpHeader.Length)
        {
            return TransportDecodeStatus.Truncated;
        }

        header = new UdpHeader(source[..UdpHeader.Length]);
        int length = header.DatagramLength;
        if (length != 0 && length < UdpHeader.Length)
        {
            return TransportDecodeStatus.Malformed;
        }

        bytesConsumed = UdpHeader.Length;
        return TransportDecodeStatus.Ok;
    }
}
