using System.Net;
using Sniffer.Capture;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// Floods and flows that never finish: the flow table and the reassembly buffers stay within their caps, every flow
/// still gets exactly one <c>flow_end</c>, and nothing is held forever.
/// </summary>
public class FloodTests
{
    private static int IndexOf(string source)
    {
        var b = IPAddress.Parse(source).GetAddressBytes();
        return (b[1] << 16) | (b[2] << 8) | b[3];
    }

    [Fact]
    public void UdpFloodWithASmallTableEvictsTheOldestAndWritesEveryFlowOnce()
    {
        const int Sources = 200_000;
        const int MaxFlows = 5_000;
        var seen = new bool[Sources];
        int evicted = 0, endOfInput = 0;
        var output = new RecordStream(r =>
        {
            int i = IndexOf(r.Str("source.ip")!);
            Assert.False(seen[i], $"two flow_end records for source {i}");
            seen[i] = true;
            switch (r.Str("sniffer.end_reason"))
            {
                case "evicted":
                    // The least recently active flow goes first: with one packet each, the oldest sources.
                    Assert.True(i < Sources - MaxFlows, $"source {i} evicted although {Sources - i} newer flows exist");
                    evicted++;
                    break;
                case "end_of_input":
                    Assert.True(i >= Sources - MaxFlows, $"source {i} survived to the end although it was among the oldest");
                    endOfInput++;
                    break;
                default:
                    Assert.Fail($"unexpected end_reason {r.Str("sniffer.end_reason")}");
                    break;
            }
        });
        using var source = new CaptureFileReader("udp-flood.pcap", new MemoryStream(Flood.Udp(Sources)));
        var options = new SnifferOptions { MaxFlows = MaxFlows, Records = RecordKinds.FlowEnd };
        var result = SnifferPipeline.Run(source, options, output, "records", null, CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Sources, result.Totals.FlowsCreated);
        Assert.Equal(Sources - MaxFlows, result.Totals.FlowsEvicted);
        Assert.Equal(Sources - MaxFlows, evicted);
        Assert.Equal(MaxFlows, endOfInput);
        Assert.DoesNotContain(false, seen);
    }

    private sealed class Sink : IChunkSink
    {
        public readonly MemoryStream Bytes = new();

        public void Submit(OutputChunk chunk)
        {
            Bytes.Write(chunk.Span);
            chunk.Return();
        }
    }

    [Fact]
    public void HalfOpenAndOneSidedFlowsEndAtTheirIdleTimeoutAndGiveTheirBuffersBack()
    {
        const int N = 2_000;
        var sink = new Sink();
        using var p = new PacketProcessor(new SnifferOptions { Records = RecordKinds.FlowEnd }, sink);
        long t = Flood.StartNs;
        for (int i = 0; i < N; i++)
        {
            string src = Flood.Source(i);
            // A SYN never answered.
            p.ProcessPacket(1, t += 1_000, FrameBuilder.TcpFrame(src, 20000, "192.0.2.1", 3624, 1000, 0, FrameBuilder.Syn));
            // One direction only, with a hole before its data: the out-of-order bytes are held for reassembly.
            p.ProcessPacket(1, t += 1_000, FrameBuilder.TcpFrame(src, 20001, "192.0.2.1", 3624, 5000, 1, FrameBuilder.Psh | FrameBuilder.Ack, "xxxx"u8));
            p.ProcessPacket(1, t += 1_000, FrameBuilder.TcpFrame(src, 20001, "192.0.2.1", 3624, 5100, 1, FrameBuilder.Psh | FrameBuilder.Ack, "yyyy"u8));
            // A FIN from one side that the other never answers.
            p.ProcessPacket(1, t += 1_000, FrameBuilder.TcpFrame(src, 20002, "192.0.2.1", 3624, 7000, 1, FrameBuilder.Fin | FrameBuilder.Ack));
        }

        Assert.Equal(3 * N, p.ActiveFlows);
        Assert.True(p.ReassemblyBytes > 0, "the one-sided flows hold bytes while they wait for the hole");

        // Nothing else happens for longer than the TCP idle timeout; one unrelated packet moves the clock on.
        long later = t + ((SnifferOptions.DefaultTcpTimeoutSeconds + 2) * 1_000_000_000L);
        p.ProcessPacket(1, later, FrameBuilder.UdpFrame("198.51.100.1", 40000, "192.0.2.1", 3624, "tick"u8));
        Assert.Equal(1, p.ActiveFlows);
        Assert.Equal(0, p.ReassemblyBytes);

        p.Finish(Sniffer.Flows.FlowEndReason.EndOfInput);
        var records = PipelineRunner.ParseLines(sink.Bytes.ToArray());
        Assert.Equal(3 * N, records.Count(r => r.Str("sniffer.end_reason") == "idle_timeout"));
        Assert.Single(records, r => r.Str("sniffer.end_reason") == "end_of_input");
    }

    [Fact]
    public void OneSidedFlowsBeyondTheReassemblyCapAreCountedNotBuffered()
    {
        const long Memcap = 64 * 1024;
        var sink = new Sink();
        using var p = new PacketProcessor(new SnifferOptions { Records = RecordKinds.FlowEnd, ReassemblyMemcapBytes = Memcap }, sink);
        long t = Flood.StartNs;
        long peak = 0;
        for (int i = 0; i < 100; i++)
        {
            // Each flow reserves the 8 KiB window for its client stream; a hole keeps it waiting.
            p.ProcessPacket(1, t += 1_000, FrameBuilder.TcpFrame(Flood.Source(i), 20000, "192.0.2.1", 3624, 5000, 1, FrameBuilder.Psh | FrameBuilder.Ack, "zz"u8));
            p.ProcessPacket(1, t += 1_000, FrameBuilder.TcpFrame(Flood.Source(i), 20000, "192.0.2.1", 3624, 5100, 1, FrameBuilder.Psh | FrameBuilder.Ack, "zz"u8));
            peak = Math.Max(peak, p.ReassemblyBytes);
        }

        Assert.InRange(peak, 1, Memcap);
        Assert.True(p.Statistics.Anomalies[Sniffer.Decoding.Anomaly.ReassemblyMemcap] > 0);
        p.Finish(Sniffer.Flows.FlowEndReason.EndOfInput);
        var records = PipelineRunner.ParseLines(sink.Bytes.ToArray());
        Assert.Equal(100, records.Count);
        Assert.Contains(records, r => r.Get("sniffer.anomalies")?.EnumerateArray().Any(a => a.GetString() == "reassembly_memcap") == true);
        Assert.Equal(0, p.ReassemblyBytes);
    }
}
