using System.Text;
using Sniffer.Decoding;
using Sniffer.Flows;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Flows;

public class CommunityIdCacheTests
{
    // The ID is computed for protocol_detected and reused by flow_end: both must carry the flow's own ID, also when
    // many flows are in flight (a cache bug would hand one flow's ID to another).
    [Fact]
    public void EveryRecordCarriesItsOwnFlowsId()
    {
        var request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var frames = new List<CapturedFrame>();
        for (int i = 0; i < 50; i++)
        {
            var c = new TcpConversation($"10.0.{i}.1", (ushort)(40000 + i), "10.9.9.9", 3624, startNs: 1_750_000_000_000_000_000L + (i * 1000L))
                .Handshake().ClientData(request).ServerData(response);
            frames.AddRange(c.Frames);
        }

        frames.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(LinkType.Ethernet, frames));
        var flowRecords = records.Where(r => r.Str("event.action") is "flow_end" or "protocol_detected").ToList();
        Assert.Equal(100, flowRecords.Count);
        foreach (var r in flowRecords)
        {
            string expected = CommunityId.Compute(IpAddr.Parse(r.Str("source.ip")!), ushort.Parse(r.Str("source.port")!),
                IpAddr.Parse(r.Str("destination.ip")!), ushort.Parse(r.Str("destination.port")!), 6);
            Assert.Equal(expected, r.Str("network.community_id"));
        }
    }
}
