using System.Text;
using Sniffer.Output.Delivery;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Delivery;

public class ObserverFieldsTests
{
    private static byte[] Capture()
    {
        var http = new TcpConversation("10.1.1.1", 50001, "10.2.2.2", 3624).Handshake()
            .ClientData("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8).ServerData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8).Close();
        var unknown = new TcpConversation("10.1.1.2", 50002, "10.2.2.2", 3624, startNs: 1_750_000_100_000_000_000L).Handshake()
            .ClientData(new byte[] { 1, 2, 3, 250, 251 }).Close();
        return CaptureBuilder.Pcap(1, [.. http.Frames, .. unknown.Frames]);
    }

    [Fact]
    public void EveryRecordKindCarriesTheObserver()
    {
        var observer = ObserverFields.Create("sensor-7.example", "eth1", "dmz \"edge\" — 1");
        var (records, _) = PipelineRunner.Run(Capture(), new SnifferOptions { Observer = observer });
        Assert.Contains(records, r => r.Str("event.action") == "flow_end");
        Assert.Contains(records, r => r.Str("event.action") == "protocol_detected");
        Assert.Contains(records, r => r.Str("event.action") == "port_summary");
        foreach (var r in records)
        {
            Assert.Equal("sensor-7.example", r.Str("observer.hostname"));
            Assert.Equal("eth1", r.Str("observer.ingress.interface.name"));
            Assert.Equal("dmz \"edge\" — 1", r.Str("observer.name"));
        }
    }

    [Fact]
    public void WithoutObserverTheRecordsAreUnchanged()
    {
        var plain = PipelineRunner.Run(Capture()).Records;
        Assert.All(plain, r => Assert.Null(r.Get("observer")));
        var named = PipelineRunner.Run(Capture(), new SnifferOptions { Observer = ObserverFields.Create(null, null, "x") }).Records;
        Assert.Equal(plain.Count, named.Count);
        for (int i = 0; i < plain.Count; i++)
        {
            // The same record plus "observer":{"name":"x"}, nothing else moved.
            string withObserver = named[i].GetRawText();
            Assert.Equal(plain[i].GetRawText(), withObserver.Replace(",\"observer\":{\"name\":\"x\"}", "", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData("", "", "", null)]
    [InlineData(null, null, "n", "{\"name\":\"n\"}")]
    [InlineData("h", "lo", null, "{\"hostname\":\"h\",\"ingress\":{\"interface\":{\"name\":\"lo\"}}}")]
    [InlineData("h", "lo", "a\\b", "{\"hostname\":\"h\",\"ingress\":{\"interface\":{\"name\":\"lo\"}},\"name\":\"a\\\\b\"}")]
    public void FragmentIsEncodedOnce(string? host, string? iface, string? name, string? json)
    {
        var o = ObserverFields.Create(host, iface, name);
        Assert.Equal(json, o is null ? null : Encoding.UTF8.GetString(o.Json));
    }

    [Fact]
    public void LongValuesAreCut()
    {
        var o = ObserverFields.Create(new string('h', 300), null, new string('n', 300))!;
        Assert.Equal(ObserverFields.MaxHostLength, o.Hostname!.Length);
        Assert.Equal(ObserverFields.MaxNameLength, o.Name!.Length);
    }
}
