using System.Text;
using System.Text.Json;
using Sniffer.Decoding;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// <c>sniffer.anomalies</c>: the flow-scoped anomalies land on the flow they happened on (and on no other flow in
/// the same capture), in both record kinds; every anomaly has a documented name.
/// </summary>
public class FlowAnomalyTests
{
    private const long T0 = 1_750_000_000_000_000_000L;
    private static readonly byte[] Request = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();

    /// <summary>A clean HTTP conversation on another client port, in the same capture as the hostile one.</summary>
    private static List<CapturedFrame> Clean(long startNs) =>
        new TcpConversation("10.9.9.9", 40999, "10.2.2.2", 3624, startNs).Handshake().ClientData(Request)
            .ServerData("HTTP/1.1 200 OK\r\n\r\n"u8).Close().Frames;

    private static (JsonElement Hostile, JsonElement Clean, List<JsonElement> All) Run(List<CapturedFrame> hostile)
    {
        var frames = hostile.Concat(Clean(T0 + 500_000_000)).OrderBy(f => f.TimestampNs).ToList();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var ends = records.Action("flow_end").ToList();
        return (ends.Single(r => r.Str("source.port") == "50000"), ends.Single(r => r.Str("source.port") == "40999"), records);
    }

    private static string[] Names(JsonElement record) =>
        record.Get("sniffer.anomalies") is { } a ? a.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];

    private static byte[] Frame(uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload, bool fromClient = true) =>
        fromClient
            ? FrameBuilder.TcpFrame("10.1.1.1", 50000, "10.2.2.2", 3624, seq, ack, flags, payload)
            : FrameBuilder.TcpFrame("10.2.2.2", 3624, "10.1.1.1", 50000, seq, ack, flags, payload);

    private static List<CapturedFrame> Handshake(out uint cseq, out uint sseq)
    {
        cseq = 1001;
        sseq = 50001;
        return
        [
            new(T0 + 1_000, Frame(1000, 0, FrameBuilder.Syn, default)),
            new(T0 + 2_000, Frame(50000, 1001, FrameBuilder.Syn | FrameBuilder.Ack, default, fromClient: false)),
            new(T0 + 3_000, Frame(1001, 50001, FrameBuilder.Ack, default)),
        ];
    }

    [Fact]
    public void ConflictingRetransmissionIsPinnedOnItsFlowOnly()
    {
        var frames = Handshake(out uint c, out uint s);
        frames.Add(new(T0 + 4_000, Frame(c, s, FrameBuilder.Psh | FrameBuilder.Ack, "GET /a HT"u8)));
        frames.Add(new(T0 + 5_000, Frame(c, s, FrameBuilder.Psh | FrameBuilder.Ack, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"u8)));
        var (hostile, clean, all) = Run(frames);
        Assert.Equal(["tcp_overlap_conflict"], Names(hostile));
        Assert.Null(clean.Get("sniffer.anomalies")); // omitted when empty
        Assert.All(all.Where(r => r.Str("source.port") == "40999"), r => Assert.Null(r.Get("sniffer.anomalies")));
    }

    [Fact]
    public void BadTcpOptionLengthIsCountedAndTheSegmentStillUsed()
    {
        var frames = Handshake(out uint c, out uint s);
        var tcp = FrameBuilder.Tcp(50000, 3624, c, s, FrameBuilder.Psh | FrameBuilder.Ack, default);
        // Data offset 7: 8 bytes of options, the first a timestamp option (kind 8) claiming 40 bytes.
        byte[] withOptions = [.. tcp[..20], 8, 40, 0, 0, 0, 0, 0, 0, .. Request];
        withOptions[12] = 7 << 4;
        frames.Add(new(T0 + 4_000, FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.1.1.1", "10.2.2.2", 6, withOptions))));
        var (hostile, clean, all) = Run(frames);
        Assert.Equal(["bad_tcp_option_length"], Names(hostile));
        Assert.Equal("http", hostile.Str("network.protocol"));
        Assert.Equal(["bad_tcp_option_length"], Names(all.Action("protocol_detected").Single(r => r.Str("source.port") == "50000")));
        Assert.Empty(Names(clean));
    }

    [Fact]
    public void WellFormedOptionsAreNotAnAnomaly()
    {
        // MSS, SACK-permitted, timestamps, NOP, window scale: what Linux sends in a SYN.
        byte[] options = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];
        Assert.True(TcpDecoder.OptionsWellFormed(options));
        Assert.True(TcpDecoder.OptionsWellFormed([1, 1, 0, 0xff])); // after end-of-list anything goes
        Assert.False(TcpDecoder.OptionsWellFormed([2, 1, 0, 0]));   // length below 2
        Assert.False(TcpDecoder.OptionsWellFormed([1, 1, 1, 2]));   // length byte missing
        Assert.False(TcpDecoder.OptionsWellFormed([3, 4, 7]));      // runs past the header
    }

    [Fact]
    public void DataAfterFinIsAnAnomaly()
    {
        var frames = Handshake(out uint c, out uint s);
        frames.Add(new(T0 + 4_000, Frame(c, s, FrameBuilder.Psh | FrameBuilder.Ack, Request)));
        c += (uint)Request.Length;
        frames.Add(new(T0 + 5_000, Frame(c, s, FrameBuilder.Fin | FrameBuilder.Ack, default)));
        frames.Add(new(T0 + 6_000, Frame(c + 1, s, FrameBuilder.Psh | FrameBuilder.Ack, "more"u8)));
        // A retransmission of the FIN is not data after it.
        frames.Add(new(T0 + 7_000, Frame(c, s, FrameBuilder.Fin | FrameBuilder.Ack, default)));
        var (hostile, clean, _) = Run(frames);
        Assert.Equal(["tcp_data_after_fin"], Names(hostile));
        Assert.Empty(Names(clean));
    }

    [Fact]
    public void AcknowledgedHoleIsAGapOnTheFlow()
    {
        var frames = Handshake(out uint c, out uint s);
        frames.Add(new(T0 + 4_000, Frame(c + 10, s, FrameBuilder.Psh | FrameBuilder.Ack, "xxxxxxxxxx"u8)));
        frames.Add(new(T0 + 5_000, Frame(s, c + 20, FrameBuilder.Ack, default, fromClient: false)));
        var (hostile, _, _) = Run(frames);
        Assert.Contains("tcp_gap", Names(hostile));
    }

    [Fact]
    public void OversizeValueIsCutAndMarkedOnTheFlow()
    {
        var ua = new string('A', 5000);
        var request = Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: {ua}\r\n\r\n");
        // In one segment, the value is cut when the flow is identified: both records carry the mark.
        var conv = new TcpConversation("10.1.1.1", 50000, "10.2.2.2", 3624, T0).Handshake().ClientData(request).Close();
        var (hostile, clean, all) = Run(conv.Frames);
        Assert.Equal(["field_truncated"], Names(hostile));
        Assert.Equal(["field_truncated"], Names(all.Action("protocol_detected").Single(r => r.Str("source.port") == "50000")));
        string got = hostile.Str("user_agent.original")!;
        Assert.EndsWith("\u2026", got);
        Assert.Equal(Sniffer.Fingerprinting.Http.HttpMetadata.MaxHeaderValueLength + 1, got.Length);
        Assert.Empty(Names(clean));
    }

    [Fact]
    public void SnapTruncatedPacketIsPinnedOnItsFlow()
    {
        var frames = Handshake(out uint c, out uint s);
        var full = Frame(c, s, FrameBuilder.Psh | FrameBuilder.Ack, Request);
        frames.Add(new(T0 + 4_000, full[..(full.Length - 10)], full.Length)); // snaplen cut the last 10 bytes
        var (hostile, clean, _) = Run(frames);
        Assert.Equal(["snap_truncated"], Names(hostile));
        Assert.Empty(Names(clean));
    }

    [Fact]
    public void AnomaliesOfAPacketWithoutAFlowAreNotPinnedOnTheNextFlow()
    {
        // A packet that fails to decode (truncated TCP header), then a clean flow: the count is global only.
        var broken = FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.1.1.1", "10.2.2.2", 6, new byte[10]));
        var frames = new List<CapturedFrame> { new(T0, broken) };
        frames.AddRange(Clean(T0 + 1_000));
        var (records, result) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        Assert.Equal(1, result.Totals.Anomalies[Anomaly.TruncatedTcp]);
        Assert.All(records.Action("flow_end"), r => Assert.Null(r.Get("sniffer.anomalies")));
    }

    [Fact]
    public void EveryAnomalyHasAUniqueDocumentedName()
    {
        Assert.True((int)Anomaly.Count <= 64, "Flow.Anomalies is a 64-bit set");
        var names = Enumerable.Range(0, (int)Anomaly.Count).Select(i => AnomalyCounters.Name((Anomaly)i)).ToList();
        Assert.DoesNotContain("unknown", names);
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", n));

        // docs/capture.md has one table row per anomaly: | `name` | flow? | meaning |
        string doc = File.ReadAllText(Path.Combine(SnifferBinary.RepoRoot, "docs", "capture.md"));
        for (int i = 0; i < (int)Anomaly.Count; i++)
        {
            var a = (Anomaly)i;
            string row = doc.Split('\n').FirstOrDefault(l => l.StartsWith($"| `{AnomalyCounters.Name(a)}` |", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"{AnomalyCounters.Name(a)} is not in the anomaly table of docs/capture.md");
            string scope = row.Split('|')[2].Trim();
            Assert.Equal(AnomalyCounters.IsFlowScoped(a) ? "flow" : "run", scope);
        }
    }
}
