using System.Text;
using Sniffer.Pipeline;
using Sniffer.Output;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Pipeline;

public class PipelineTests
{
    private static readonly byte[] HttpRequest = Encoding.ASCII.GetBytes(
        "GET /index.html?q=1 HTTP/1.1\r\nHost: demo.example:3624\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
    private static readonly byte[] HttpResponse = Encoding.ASCII.GetBytes(
        "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello");

    private static byte[] HttpCapture(int segments = 1, ushort port = 3624)
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", port).Handshake()
            .ClientData(HttpRequest, segments).ServerData(HttpResponse).Close();
        return CaptureBuilder.Pcap(1, c.Frames);
    }

    [Fact]
    public void HttpFlowOnWatchedPortGivesDetectedAndEndRecords()
    {
        var (records, result) = PipelineRunner.Run(HttpCapture());
        Assert.Equal(0, result.ExitCode);
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Single(records.Action("protocol_detected"));
        Assert.Equal("http", end.Str("network.protocol"));
        Assert.Equal("tcp", end.Str("network.transport"));
        Assert.Equal("ipv4", end.Str("network.type"));
        Assert.Equal("10.1.1.1", end.Str("source.ip"));
        Assert.Equal("51000", end.Str("source.port"));
        Assert.Equal("10.2.2.2", end.Str("destination.ip"));
        Assert.Equal("3624", end.Str("destination.port"));
        Assert.Equal("fin", end.Str("sniffer.end_reason"));
        Assert.Equal("dist-upgrade", end.Str("sniffer.port_registration"));
        Assert.Equal("True", end.Str("sniffer.off_port"));
        Assert.Equal("False", end.Str("sniffer.midstream"));
        Assert.Equal("event", end.Str("event.kind"));
        Assert.Equal("network", end.Get("event.category")!.Value[0].GetString());
        Assert.Equal("8", end.Str("network.packets"));
        Assert.Equal(CommunityIdOf("10.1.1.1", 51000, "10.2.2.2", 3624), end.Str("network.community_id"));
        Assert.Equal("GET", end.Str("http.request.method"));
        Assert.Equal("curl/7.88.1", end.Str("user_agent.original"));
        Assert.Equal("200", end.Str("http.response.status_code"));
        Assert.Equal("/index.html", end.Str("url.path"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(97)]
    public void RequestSplitOverSegmentsGivesTheSameAnswer(int segments)
    {
        var (records, _) = PipelineRunner.Run(HttpCapture(segments));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("http", end.Str("network.protocol"));
        Assert.Equal("curl/7.88.1", end.Str("user_agent.original"));
    }

    [Fact]
    public void OtherPortsAreIgnoredByDefaultAndSeenWithAnyPort()
    {
        var (records, _) = PipelineRunner.Run(HttpCapture(port: 8080));
        Assert.Empty(records);
        (records, _) = PipelineRunner.Run(HttpCapture(port: 8080), new SnifferOptions { AnyPort = true });
        Assert.Single(records.Action("flow_end"));
        (records, _) = PipelineRunner.Run(HttpCapture(port: 8080), new SnifferOptions { Ports = [8080] });
        Assert.Single(records.Action("flow_end"));
    }

    [Fact]
    public void RecordKindsCanBeChosen()
    {
        var (records, _) = PipelineRunner.Run(HttpCapture(), new SnifferOptions { Records = RecordKinds.FlowEnd });
        Assert.All(records, r => Assert.Equal("flow_end", r.Str("event.action")));
        (records, _) = PipelineRunner.Run(HttpCapture(), new SnifferOptions { Records = RecordKinds.ProtocolDetected });
        Assert.All(records, r => Assert.Equal("protocol_detected", r.Str("event.action")));
    }

    /// <summary>
    /// A one-way RTP stream is named once its second packet continues the first (same SSRC, next sequence number);
    /// one-way flows of random datagrams with the RTP shape by chance stay unknown.
    /// </summary>
    [Fact]
    public void OneWayRtpIsConfirmedByItsSecondPacketAndRandomDatagramsAreNot()
    {
        var frames = new List<CapturedFrame>();
        long ts = 1_000_000_000;
        for (int i = 0; i < 5; i++)
        {
            var rtp = new byte[172];
            rtp[0] = 0x80;                      // V=2, no padding, extension or CSRC
            rtp[1] = 0;                         // PCMU
            rtp[2] = 0x12;
            rtp[3] = (byte)(0x30 + i);          // sequence 0x1230, 0x1231, ...
            rtp[8] = 0xCA; rtp[9] = 0xFE; rtp[10] = 0xBA; rtp[11] = 0xBE;
            frames.Add(new CapturedFrame(ts += 20_000_000, FrameBuilder.UdpFrame("10.1.1.1", 40000, "10.2.2.2", 3624, rtp)));
        }

        // 1,000 one-way flows of 1–4 random datagrams, each starting with the RTP fixed-header shape.
        var random = new Random(7);
        for (int flow = 0; flow < 1000; flow++)
        {
            int count = random.Next(1, 5);
            for (int i = 0; i < count; i++)
            {
                var data = new byte[random.Next(20, 300)];
                random.NextBytes(data);
                data[0] = 0x80;
                data[1] = (byte)random.Next(96, 128); // a dynamic payload type
                frames.Add(new CapturedFrame(ts += 1_000, FrameBuilder.UdpFrame("10.3.0.1", (ushort)(20000 + flow), "10.2.2.2", 3624, data)));
            }
        }

        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var ends = records.Action("flow_end").ToList();
        var stream = Assert.Single(ends, r => r.Str("source.port") == "40000");
        Assert.Equal("rtp", stream.Str("network.protocol"));
        Assert.Equal("rtp.sequence", stream.Str("sniffer.evidence"));
        Assert.Equal("cafebabe", stream.Str("sniffer.rtp.ssrc"));
        Assert.Equal(1000, ends.Count(r => r.Str("source.ip") == "10.3.0.1" && r.Str("network.protocol") == "unknown"));
    }

    [Fact]
    public void MidstreamFlowWithoutHandshake()
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624);
        c.ServerData(HttpResponse);           // the server speaks first in the capture
        c.ClientData(HttpRequest);
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("True", end.Str("sniffer.midstream"));
        Assert.Equal("10.1.1.1", end.Str("source.ip")); // the side not on the watched port is the client
        Assert.Equal("end_of_input", end.Str("sniffer.end_reason"));
    }

    [Fact]
    public void ResetEndsTheFlow()
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake().ClientData(HttpRequest).Reset();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        Assert.Equal("rst", Assert.Single(records.Action("flow_end")).Str("sniffer.end_reason"));
    }

    [Fact]
    public void TrailingPacketsAfterCloseDoNotMakeANewFlow()
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake().ClientData(HttpRequest).ServerData(HttpResponse).Close();
        c.Client(FrameBuilder.Rst, default);                 // a late RST after the orderly close
        c.Server(FrameBuilder.Fin | FrameBuilder.Ack, default); // a retransmitted FIN
        var (records, result) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("fin", end.Str("sniffer.end_reason"));
        Assert.Equal(2, result.Totals.AfterClose);
    }

    [Fact]
    public void PortReuseAfterResetStartsANewFlow()
    {
        var first = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake().ClientData(HttpRequest).Reset();
        var second = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624, startNs: 1_750_000_000_100_000_000L, cisn: 777).Handshake().ClientData(HttpRequest).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, first.Frames.Concat(second.Frames)));
        var ends = records.Action("flow_end").ToList();
        Assert.Equal(2, ends.Count);
        Assert.Equal("rst", ends[0].Str("sniffer.end_reason"));
        Assert.Equal("fin", ends[1].Str("sniffer.end_reason"));
    }

    [Fact]
    public void IdleTimeoutEndsFlows()
    {
        var a = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624, startNs: 1_000_000_000_000).Handshake();
        var b = new TcpConversation("10.1.1.9", 52000, "10.2.2.2", 3624, startNs: 1_000_000_000_000 + (400 * 1_000_000_000L)).Handshake();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, a.Frames.Concat(b.Frames)));
        var ends = records.Action("flow_end").ToList();
        Assert.Equal(2, ends.Count);
        Assert.Equal("idle_timeout", ends[0].Str("sniffer.end_reason"));
        Assert.Equal("10.1.1.1", ends[0].Str("source.ip"));
        Assert.Equal("end_of_input", ends[1].Str("sniffer.end_reason"));
    }

    [Fact]
    public void ConversationsIdleLongerThanHandshakes()
    {
        // A flow that carried payload and then idles 10 minutes (Kafka's idle close) stays one flow; a handshake
        // without payload is ended after the short timeout.
        const long Minute = 60 * 1_000_000_000L;
        var talk = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624, startNs: 1_000_000_000_000).Handshake().ClientData(HttpRequest);
        var idle = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624, startNs: 1_000_000_000_000 + (10 * Minute), cisn: 1000 + 1 + (uint)HttpRequest.Length).Close();
        var probe = new TcpConversation("10.1.1.9", 52000, "10.2.2.2", 3624, startNs: 1_000_000_000_000 + Minute).Handshake();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, talk.Frames.Concat(probe.Frames).Concat(idle.Frames)));
        var ends = records.Action("flow_end").ToList();
        Assert.Equal(2, ends.Count);
        Assert.Equal("10.1.1.9", ends[0].Str("source.ip"));
        Assert.Equal("idle_timeout", ends[0].Str("sniffer.end_reason"));
        Assert.Equal("10.1.1.1", ends[1].Str("source.ip"));
        Assert.Equal("http", ends[1].Str("network.protocol"));
        Assert.Equal("fin", ends[1].Str("sniffer.end_reason"));
    }

    [Fact]
    public void FlowCapEvictsOldestAndStillWritesItsRecord()
    {
        var frames = new List<CapturedFrame>();
        for (int i = 0; i < 10; i++)
        {
            frames.AddRange(new TcpConversation($"10.1.1.{i + 1}", 51000, "10.2.2.2", 3624, startNs: 1_000_000_000_000 + (i * 1_000_000_000L)).Handshake().Frames);
        }

        var (records, result) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames), new SnifferOptions { MaxFlows = 4 });
        var ends = records.Action("flow_end").ToList();
        Assert.Equal(10, ends.Count);
        Assert.Equal(6, ends.Count(e => e.Str("sniffer.end_reason") == "evicted"));
        Assert.Equal(6, result.Totals.FlowsEvicted);
    }

    [Fact]
    public void UdpFlow()
    {
        var frames = new List<CapturedFrame>
        {
            new(1_000_000_000, FrameBuilder.UdpFrame("10.1.1.1", 40000, "10.2.2.2", 3624, "ping"u8)),
            new(1_001_000_000, FrameBuilder.UdpFrame("10.2.2.2", 3624, "10.1.1.1", 40000, "pong!"u8)),
        };
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("udp", end.Str("network.transport"));
        Assert.Equal("unknown", end.Str("network.protocol"));
        Assert.Equal("1", end.Str("source.packets"));
        Assert.Equal("1", end.Str("destination.packets"));
        Assert.Equal("10.2.2.2", end.Str("destination.ip"));
    }

    [Fact]
    public void SeveralWorkersProduceTheSameRecords()
    {
        var frames = new List<CapturedFrame>();
        for (int i = 0; i < 40; i++)
        {
            frames.AddRange(new TcpConversation($"10.1.{i}.1", (ushort)(50000 + i), "10.2.2.2", 3624, startNs: 1_000_000_000_000 + (i * 1_000_000L))
                .Handshake().ClientData(HttpRequest).ServerData(HttpResponse).Close().Frames);
        }

        frames.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        var file = CaptureBuilder.Pcap(1, frames);
        var (one, _) = PipelineRunner.Run(file, new SnifferOptions { Workers = 1 });
        var (two, _) = PipelineRunner.Run(file, new SnifferOptions { Workers = 2 });
        Assert.Equal(81, one.Count); // 40 × (protocol_detected + flow_end) + 1 port_summary
        Assert.Equal(one.Select(r => r.GetRawText()).Order(), two.Select(r => r.GetRawText()).Order());
    }

    [Fact]
    public void PortSummaryTellsWhatIsOnThePort()
    {
        var frames = new List<CapturedFrame>();
        for (int i = 0; i < 3; i++)
        {
            frames.AddRange(new TcpConversation($"10.1.{i}.1", (ushort)(50000 + i), "10.2.2.2", 3624, startNs: 1_000_000_000_000 + (i * 10_000_000L))
                .Handshake().ClientData(HttpRequest).ServerData(HttpResponse).Close().Frames);
        }

        frames.AddRange(new TcpConversation("10.1.9.1", 50999, "10.2.2.3", 3624, startNs: 1_000_100_000_000)
            .Handshake().ClientData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0 }).Close().Frames);
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var summary = Assert.Single(records.Action("port_summary"));
        Assert.Equal("3624", summary.Str("destination.port"));
        Assert.Equal("dist-upgrade", summary.Str("sniffer.port_registration"));
        Assert.Equal("4", summary.Str("sniffer.flows"));
        var protocols = summary.Get("sniffer.protocols")!.Value;
        Assert.Equal("http", protocols[0].GetProperty("name").GetString());
        Assert.Equal(3, protocols[0].GetProperty("flows").GetInt32());
        Assert.Equal("10.2.2.2:3624", protocols[0].GetProperty("servers")[0].GetString());
        Assert.Equal("unknown", protocols[1].GetProperty("name").GetString());
        Assert.StartsWith("tcp/c/binary-protocol/01020304", protocols[1].GetProperty("unknown_shapes")[0].GetProperty("value").GetString());
    }

    private static string CommunityIdOf(string a, ushort ap, string b, ushort bp) =>
        Sniffer.Flows.CommunityId.Compute(Sniffer.Decoding.IpAddr.Parse(a), ap, Sniffer.Decoding.IpAddr.Parse(b), bp, 6);
}
