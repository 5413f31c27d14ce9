using System.Buffers.Binary;
using Sniffer.Hashing;
using Sniffer.Decoding;

namespace Sniffer.Flows;

/// <summary>A Community ID's text held inline (no string): 30 ASCII bytes.</summary>
public struct CommunityIdText
{
    private Bytes _bytes;
    private byte _length;

    public readonly int Length => _length;

    public readonly int CopyTo(Span<byte> destination)
    {
        ReadOnlySpan<byte> bytes = _bytes;
        bytes[.._length].CopyTo(destination);
        return _length;
    }

    public void Set(ReadOnlySpan<byte> text)
    {
        text.CopyTo(_bytes);
        _length = (byte)text.Length;
    }

    [System.Runtime.CompilerServices.InlineArray(CommunityId.Utf8Length)]
    private struct Bytes
    {
        private byte _element;
    }
}

/// <summary>
/// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec): the same string Zeek,
/// Suricata and Elastic compute for a flow, so records can be joined across tools.
/// </summary>
public static class CommunityId
{
    /// <summary>The Community ID of a flow, from its metadata's cache when a record already computed it.</summary>
    public static int Of(Flow flow, Span<byte> destination30)
    {
        if (flow.Metadata is { } meta && meta.CommunityId.Length > 0)
        {
            return meta.CommunityId.CopyTo(destination30);
        }

        int n = Compute(flow.ClientIp, flow.ClientPort, flow.ServerIp, flow.ServerPort, (byte)flow.Transport, destination30);
        if (flow.Metadata is { } identified)
        {
            identified.CommunityId.Set(destination30[..n]);
        }

        return n;
    }

    /// <summary>"1:" + base64(SHA-1) = 2 + 28 characters.</summary>
    public const int Utf8Length = 30;

    public static string Compute(IpAddr source, ushort sourcePort, IpAddr destination, ushort destinationPort, byte protocol, ushort seed = 0)
    {
        Span<byte> text = stackalloc byte[Utf8Length];
        int n = Compute(source, sourcePort, destination, destinationPort, protocol, text, seed);
        return System.Text.Encoding.ASCII.GetString(text[..n]);
    }

    /// <summary>Writes the Community ID as UTF-8 into <paramref name="destination"/> (≥ 30 bytes); returns bytes written.</summary>
    public static int Compute(IpAddr source, ushort sourcePort, IpAddr destination, ushort destinationPort, byte protocol, Span<byte> destination30, ushort seed = 0)
    {
        // Order the endpoints: the smaller (address, port) goes first; ports swap with their addresses.
        int c = source.CompareTo(destination);
        if (c > 0 || (c == 0 && sourcePort > destinationPort))
        {
            (source, destination) = (destination, source);
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }

        Span<byte> input = stackalloc byte[2 + 16 + 16 + 2 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        int n = 2;
        n += source.WriteBytes(input[n..]);
        n += destination.WriteBytes(input[n..]);
        input[n++] = protocol;
        input[n++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[n..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(input[(n + 2)..], destinationPort);
        n += 4;

        Span<byte> hash = stackalloc byte[20];
        Sha1.HashData(input[..n], hash);
        destination30[0] = (byte)'1';
        destination30[1] = (byte)':';
        System.Buffers.Text.Base64.EncodeToUtf8(hash, destination30[2..], out _, out int written);
        return 2 + written;
    }
}
