using System.Text;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// Deterministic mutation testing of the full path (runs in every CI run): hundreds of thousands of mutated
/// packets and thousands of mutated capture files — bit flips, truncations, length fields set to 0, 1 and max —
/// must never raise an exception, and every output line must be one valid JSON object.
/// </summary>
public class MutationTests
{
    private const int PacketMutations = 240_000;
    private const int FileMutations = 3_000;

    private static readonly byte[][] Payloads =
    [
        "GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: \u0001\u2028evil\"\\\r\n\r\n"u8.ToArray(),
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n"u8.ToArray(),
        "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"u8.ToArray(),
        [0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00],
        [0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28],
        [],
    ];

    private static List<(int LinkType, byte[] Frame)> Seeds()
    {
        var seeds = new List<(int, byte[])>();
        foreach (var p in Payloads)
        {
            var tcp = FrameBuilder.Tcp(40000, 3624, 1000, 2000, FrameBuilder.Psh | FrameBuilder.Ack, p);
            var ip4 = FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 6, tcp);
            var ip6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", 6, tcp);
            seeds.Add((LinkType.Ethernet, FrameBuilder.Ethernet(0x0800, ip4)));
            seeds.Add((LinkType.Ethernet, FrameBuilder.Ethernet(0x86DD, ip6, 7)));
            seeds.Add((LinkType.LinuxSll, FrameBuilder.Sll(0x0800, ip4)));
            seeds.Add((LinkType.LinuxSll2, FrameBuilder.Sll2(0x86DD, ip6)));
            seeds.Add((LinkType.Raw, FrameBuilder.Ipv4("192.0.2.1", "192.0.2.2", 41, ip6)));
            seeds.Add((LinkType.Ethernet, FrameBuilder.UdpFrame("10.0.0.1", 1, "10.0.0.2", 4789, [0x08, 0, 0, 0, 0, 0, 5, 0, .. FrameBuilder.Ethernet(0x0800, ip4)])));
            seeds.Add((LinkType.Ethernet, FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", 47, [0x10, 0, 0x88, 0xBE, 0, 0, 0, 1, 0x10, 0, 0, 5, 0, 0, 0, 0, .. FrameBuilder.Ethernet(0x0800, ip4)]))));
            seeds.Add((LinkType.Ethernet, FrameBuilder.UdpFrame("10.0.0.1", 3624, "10.0.0.2", 53, p)));
        }

        return seeds;
    }

    /// <summary>One mutation: a bit flip, a truncation, or a byte/16-bit field set to 0, 1 or max.</summary>
    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = (byte[])seed.Clone();
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits && b.Length > 0; e++)
        {
            // Bias towards headers, where the length fields are.
            int pos = rng.Next(4) == 0 ? rng.Next(b.Length) : rng.Next(Math.Min(b.Length, 96));
            switch (rng.Next(6))
            {
                case 0: b[pos] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b = b[..rng.Next(b.Length)]; break;
                case 2: b[pos] = 0; break;
                case 3: b[pos] = 1; break;
                case 4: b[pos] = 0xFF; break;
                default:
                    if (pos + 1 < b.Length)
                    {
                        b[pos] = 0xFF;
                        b[pos + 1] = 0xFF;
                    }

                    break;
            }
        }

        return b;
    }

    private sealed class CollectingChunks : IChunkSink
    {
        public readonly MemoryStream Bytes = new();

        public void Submit(OutputChunk chunk)
        {
            Bytes.Write(chunk.Span);
            chunk.Return();
        }
    }

    [Fact]
    public void MutatedPacketsNeverThrowAndOutputStaysValidJson()
    {
        var rng = new Random(20261126);
        var seeds = Seeds();
        var sink = new CollectingChunks();
        using var processor = new PacketProcessor(new SnifferOptions { AnyPort = true, MaxFlows = 5000, Inspection = new() { MaxBytesPerDirection = 512 } }, sink);
        long ts = 1_000_000_000_000;
        for (int i = 0; i < PacketMutations; i++)
        {
            var (linkType, seed) = seeds[rng.Next(seeds.Count)];
            var frame = Mutate(seed, rng);
            // Timestamps mostly advance, sometimes jump back or far ahead.
            ts += rng.Next(10) switch { 0 => -5_000_000_000L, 1 => 400_000_000_000L, _ => 1_000_000 };
            processor.ProcessPacket(rng.Next(50) == 0 ? rng.Next(300) : linkType, ts, frame);
            if (i % 4096 == 0)
            {
                processor.Process(new PacketBatch()); // flush records
            }
        }

        processor.Finish(Sniffer.Flows.FlowEndReason.EndOfInput);
        var records = PipelineRunner.ParseLines(sink.Bytes.ToArray());
        Assert.NotEmpty(records);
        Assert.Equal(PacketMutations, processor.Statistics.Packets);
    }

    [Fact]
    public void MutatedCaptureFilesGiveAnAnswerNotACrash()
    {
        var rng = new Random(42);
        var frames = new List<CapturedFrame>();
        var conv = new TcpConversation("10.1.1.1", 50000, "10.2.2.2", 3624).Handshake()
            .ClientData(Payloads[0]).ServerData(Payloads[1]).Close();
        frames.AddRange(conv.Frames);
        byte[][] files = [CaptureBuilder.Pcap(1, frames), CaptureBuilder.Pcap(1, frames, bigEndian: true, nanoseconds: true), CaptureBuilder.Pcapng([1, 101], frames, bigEndian: true)];
        int errors = 0;
        for (int i = 0; i < FileMutations; i++)
        {
            var file = Mutate(files[i % files.Length], rng);
            // Mutate deeper into the file too (record headers, block lengths).
            for (int k = 0; k < 2 && file.Length > 0; k++)
            {
                int pos = rng.Next(file.Length);
                file[pos] = (byte)(rng.Next(3) switch { 0 => 0, 1 => 0xFF, _ => rng.Next(256) });
            }

            var output = new MemoryStream();
            using var reader = new CaptureFileReader("mutated", new MemoryStream(file));
            var result = SnifferPipeline.Run(reader, new SnifferOptions(), output, "memory", null, CancellationToken.None);
            Assert.True(result.ExitCode is 0 or 1, $"exit {result.ExitCode}: {result.Error}");
            if (result.ExitCode == 1)
            {
                errors++;
                Assert.False(string.IsNullOrEmpty(result.Error));
                Assert.DoesNotContain('\n', result.Error);
            }

            PipelineRunner.ParseLines(output.ToArray());
        }

        Assert.InRange(errors, 1, FileMutations - 1);
    }

    [Fact]
    public void HostileStringsStayOneJsonLine()
    {
        var ua = new StringBuilder("Mozilla/5.0 ");
        ua.Append('\0').Append('\u2028').Append('\u001b').Append("\"}{\\");
        ua.Append('A', 3 * 1024 * 1024);
        var request = Encoding.UTF8.GetBytes($"GET /\u0000\u00ff HTTP/1.1\r\nHost: \u00e9\u0007x\r\nUser-Agent: {ua}\r\n\r\n");
        request[20] = 0xC3; // a broken UTF-8 sequence
        var conv = new TcpConversation("10.1.1.1", 50000, "10.2.2.2", 3624).Handshake().ClientData(request, segments: 800).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, conv.Frames));
        Assert.NotEmpty(records);
        foreach (var r in records)
        {
            Assert.True(r.GetRawText().Length < 64 * 1024, "a record must stay bounded whatever the wire sends");
        }
    }
}
