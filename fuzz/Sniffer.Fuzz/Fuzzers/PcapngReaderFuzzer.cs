using System.Buffers.Binary;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Fuzz.Support;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>
/// pcapng files through <see cref="CaptureFileReader"/>: several sections and interfaces, both byte orders,
/// if_tsresol (decimal and power of two) and if_tsoffset, Enhanced, Simple and obsolete Packet Blocks, unknown blocks.
/// </summary>
internal sealed class PcapngReaderFuzzer : CaptureReaderFuzzer
{
    public override string Name => "pcapng-reader";

    public override string[] Dictionaries => ["capture.dict", "link.dict"];

    public override IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material)
    {
        foreach (var (name, frames) in material.Conversations)
        {
            yield return ($"{name}.pcapng", CaptureBuilder.Pcapng([LinkType.Ethernet], frames));
        }

        var http = material.Conversations[0].Frames;
        yield return ("http-be-nano.pcapng", CaptureBuilder.Pcapng([LinkType.Ethernet], http, bigEndian: true, tsResol: 9));
        yield return ("http-two-interfaces.pcapng", CaptureBuilder.Pcapng([LinkType.Raw, LinkType.Ethernet], http, ifaceOf: i => 1));
        byte[] one = CaptureBuilder.Pcapng([LinkType.Ethernet], http.Take(3));
        yield return ("two-sections.pcapng", [.. one, .. CaptureBuilder.Pcapng([LinkType.Ethernet], http.Skip(3), bigEndian: true)]);
        yield return ("http-truncated-block.pcapng", one[..^5]);
        yield return ("simple-and-obsolete-blocks.pcapng", Handmade(http[3].Data));

        foreach (var (name, bytes) in material.RealFiles)
        {
            if (CaptureFileMagic.Detect(bytes) == CaptureFileFormat.Pcapng)
            {
                yield return ($"real-{name}.pcapng", bytes);
            }
        }
    }

    /// <summary>SHB, an IDB with a power-of-two if_tsresol and an if_tsoffset, then an SPB, an obsolete PB and an EPB.</summary>
    private static byte[] Handmade(byte[] frame)
    {
        var ms = new MemoryStream();
        Block(ms, CaptureFileMagic.PcapngSectionHeader, [.. U32(0x1A2B3C4D), 1, 0, 0, 0, .. Enumerable.Repeat((byte)0xFF, 8)]);
        Block(ms, 1, [1, 0, 0, 0, .. U32(262144), 9, 0, 1, 0, 0x80 | 20, 0, 0, 0, 14, 0, 8, 0, .. BitConverter.GetBytes(1_700_000_000L), 0, 0, 0, 0]);
        Block(ms, 3, [.. U32((uint)frame.Length), .. Padded(frame)]);
        Block(ms, 2, [0, 0, 0, 0, .. U32(0), .. U32(123456), .. U32((uint)frame.Length), .. U32((uint)frame.Length), .. Padded(frame)]);
        Block(ms, 6, [.. U32(0), .. U32(0), .. U32(654321), .. U32((uint)frame.Length), .. U32((uint)frame.Length), .. Padded(frame)]);
        Block(ms, 5, [.. U32(0), .. U32(0), .. U32(0)]); // Interface Statistics Block: skipped
        return ms.ToArray();
    }

    private static byte[] Padded(byte[] data) => [.. data, .. new byte[(4 - (data.Length % 4)) % 4]];

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    private static void Block(MemoryStream ms, uint type, byte[] body)
    {
        byte[] length = U32((uint)(12 + body.Length));
        ms.Write(U32(type));
        ms.Write(length);
        ms.Write(body);
        ms.Write(length);
    }
}
