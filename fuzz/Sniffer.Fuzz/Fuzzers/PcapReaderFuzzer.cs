using System.Buffers.Binary;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Fuzz.Support;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>Classic pcap files (both byte orders, micro/nanosecond, Kuznetzov's modified format) through <see cref="CaptureFileReader"/>.</summary>
internal sealed class PcapReaderFuzzer : CaptureReaderFuzzer
{
    public override string Name => "pcap-reader";

    public override string[] Dictionaries => ["capture.dict", "link.dict"];

    public override IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material)
    {
        foreach (var (name, frames) in material.Conversations)
        {
            yield return ($"{name}.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, frames));
        }

        var http = material.Conversations[0].Frames;
        yield return ("http-be-nano.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, http, bigEndian: true, nanoseconds: true));
        yield return ("http-modified.pcap", Modified(http));
        yield return ("http-snaplen-cut.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, http.Select(f => f with { Data = f.Data[..Math.Min(f.Data.Length, 60)], WireLength = f.Data.Length })));
        byte[] full = CaptureBuilder.Pcap(LinkType.Ethernet, http);
        yield return ("http-truncated-last-record.pcap", full[..^7]);
        yield return ("header-only.pcap", full[..24]);

        // One frame per supported link type (and one that is not supported).
        var ip4 = FrameBuilder.Ipv4("10.1.1.1", "10.2.2.2", 6, FrameBuilder.Tcp(50000, SeedMaterial.Port, 1, 0, FrameBuilder.Psh | FrameBuilder.Ack, SeedMaterial.HttpRequest));
        long ts = 1_750_000_000_000_000_000L;
        yield return ("sll.pcap", CaptureBuilder.Pcap(LinkType.LinuxSll, [new(ts, FrameBuilder.Sll(0x0800, ip4))]));
        yield return ("sll2.pcap", CaptureBuilder.Pcap(LinkType.LinuxSll2, [new(ts, FrameBuilder.Sll2(0x0800, ip4))]));
        yield return ("raw.pcap", CaptureBuilder.Pcap(LinkType.Raw, [new(ts, ip4)]));
        yield return ("ipv4.pcap", CaptureBuilder.Pcap(LinkType.Ipv4, [new(ts, ip4)]));
        yield return ("null.pcap", CaptureBuilder.Pcap(LinkType.Null, [new(ts, [2, 0, 0, 0, .. ip4])]));
        yield return ("loop.pcap", CaptureBuilder.Pcap(LinkType.Loop, [new(ts, [0, 0, 0, 2, .. ip4])], bigEndian: true));
        yield return ("unsupported-linktype.pcap", CaptureBuilder.Pcap(105, [new(ts, ip4)]));

        foreach (var (name, bytes) in material.RealFiles)
        {
            if (CaptureFileMagic.Detect(bytes) == CaptureFileFormat.Pcap)
            {
                yield return ($"real-{name}.pcap", bytes);
            }
        }
    }

    /// <summary>Kuznetzov's modified pcap: magic 0xA1B2CD34 and 24-byte record headers (ifindex, protocol, type, pad).</summary>
    private static byte[] Modified(IEnumerable<CapturedFrame> frames)
    {
        var ms = new MemoryStream();
        var h = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, CaptureFileMagic.PcapModified);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), 262144);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), LinkType.Ethernet);
        ms.Write(h);
        foreach (var f in frames)
        {
            var r = new byte[24];
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)(f.TimestampNs / 1_000_000_000L));
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(4), (uint)(f.TimestampNs % 1_000_000_000L / 1000));
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(8), (uint)f.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(12), (uint)f.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(16), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(20), 0x0800);
            ms.Write(r);
            ms.Write(f.Data);
        }

        return ms.ToArray();
    }
}
