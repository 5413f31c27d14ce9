using System.Buffers.Binary;

namespace Sniffer.Decoding;

/// <summary>A view of an IPv4 header including options.</summary>
public readonly ref struct Ipv4Header
{
    public const int MinLength = 20;

    public Ipv4Header(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    public ReadOnlySpan<byte> Bytes { get; }
    public int HeaderLength => (Bytes[0] & 0x0F) * 4;
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(Bytes[2..]);
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(Bytes[4..]);
    public bool MoreFragments => (Bytes[6] & 0x20) != 0;
    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(Bytes[6..]) & 0x1FFF) * 8;
    public byte Ttl => Bytes[8];
    public byte Protocol => Bytes[9];
    public ReadOnlySpan<byte> Source => Bytes.Slice(12, 4);
    public ReadOnlySpan<byte> Destination => Bytes.Slice(16, 4);
}

public enum IpDecodeStatus : byte
{
    Ok,
    Truncated,
    Malformed,
}

public static class Ipv4Decoder
{
    /// <summary>
    /// Decodes an IPv4 header. <paramref name="payloadLength"/> is what the header claims (total length minus
    /// header), clipped to the captured bytes; <paramref name="snapTruncated"/> tells whether it was clipped.
    /// </summary>
    public static IpDecodeStatus TryDecode(ReadOnlySpan<byte> source, out Ipv4Header header, out int bytesConsumed,
        out int payloadLength, out bool snapTruncated)
    {
        header = default;
        bytesConsumed = 0;
        payloadLength = 0;
        snapTruncated = false;
        if (source.Length < Ipv4Header.MinLength)
        {
            return IpDecodeStatus.Truncated;
        }

        int ihl = (source[0] & 0x0F) * 4;
        if ((source[0] >> 4) != 4 || ihl < Ipv4Header.MinLength)
        {
            return IpDecodeStatus.Malformed;
        }

        if (source.Length < ihl)
        {
            return IpDecodeStatus.Truncated;
        }

        int total = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (total < ihl)
        {
            // TSO/offloaded captures write total length 0; trust the captured size then.
            if (total != 0)
            {
                return IpDecodeStatus.Malformed;
            }

            total = source.Length;
        }

        header = new Ipv4Header(source[..ihl]);
        bytesConsumed = ihl;
        payloadLength = total - ihl;
        if (total > source.Length)
        {
            snapTruncated = true;
            payloadLength = source.Length - ihl;
        }

        return IpDecodeStatus.Ok;
    }
}
