using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Dns;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class DnsTests
{
    private static readonly DnsFingerprinter Fp = DnsFingerprinter.Instance;

    // dns.pcap frames 2/3: AAAA www.example.com query and its empty NOERROR response.
    private static readonly byte[] Query = Hex("bc1f0100000100000000000003777777076578616d706c6503636f6d00001c0001");
    private static readonly byte[] EmptyResponse = Hex("bc1f8180000100000000000003777777076578616d706c6503636f6d00001c0001");
    // dns.pcap frames 4/5: A e7.whatsapp.net with eight compressed A answers.
    private static readonly byte[] WaQuery = Hex("784301000001000000000000026537087768617473617070036e65740000010001");
    private static readonly byte[] WaResponse = Hex(
        "784381800001000800000000026537087768617473617070036e65740000010001c00c00010001000001eb0004a92ddbebc00c0001" +
        "0001000001eb0004a92f288ec00c00010001000001eb0004a92df879c00c00010001000001eb00046ca8b0eac00c00010001000001eb" +
        "0004a92df8bdc00c00010001000001eb0004a92df8b4c00c00010001000001eb0004a935514fc00c00010001000001eb0004a92ddbe8");
    // dns_fragmented.pcap frame 48: DNSKEY weberlab.de over TCP with EDNS (DO bit), 2-byte length prefix.
    private static readonly byte[] TcpQuery = Hex(
        "003480e4012000010000000000010877656265726c61620264650000300001000029100000008000000c000a00081b9af622ab2c9740");
    // dns_fragmented.pcap frame 50: first segment of the 1730-byte TCP response.
    private static readonly byte[] TcpResponseStart = Hex(
        "06c280e4850000010004000000010877656265726c61620264650000300001c00c003000010000003c01080100030a03010001d054dc28f1");
    // Hand-built mDNS PTR query for _services._dns-sd._udp.local with the QU (unicast-response) bit.
    private static readonly byte[] MdnsQuery = Hex(
        "000000000001000000000000095f7365727669636573075f646e732d7364045f756470056c6f63616c00000c8001");

    [Fact]
    public void UdpQueryAndResponseMatchHigh()
    {
        var r = Probe(Fp, Transport.Udp, WaQuery, WaResponse);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("dns.query_response", r.Evidence);
    }

    [Fact]
    public void OneSidedMatches()
    {
        Assert.Equal(Confidence.High, ProbeClient(Fp, Transport.Udp, Query).Confidence);
        var s = ProbeServer(Fp, Transport.Udp, WaResponse);
        Assert.Equal(ProbeStatus.Match, s.Status);
        Assert.Equal("dns.response", s.Evidence);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, Query, complete: false).Status);
    }

    [Fact]
    public void TcpLengthPrefixedMatches()
    {
        var r = Probe(Fp, Transport.Tcp, TcpQuery, TcpResponseStart, false, false);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        // The UDP view of a TCP message (length prefix as ID) must not parse as a valid datagram.
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Tcp, TcpResponseStart, complete: false).Status);
        Assert.Equal(ProbeStatus.NeedMoreData, ProbeClient(Fp, Transport.Tcp, TcpQuery[..10], complete: false).Status);
    }

    [Fact]
    public void ExtractsEcsFields()
    {
        var meta = Assert.IsType<DnsMetadata>(RunExtract(Fp, Transport.Udp, WaQuery, WaResponse));
        using var doc = Json(meta);
        Assert.Equal("30787", Path(doc, "ecs.dns.id"));
        Assert.Equal("answer", Path(doc, "ecs.dns.type"));
        Assert.Equal("QUERY", Path(doc, "ecs.dns.op_code"));
        Assert.Equal("NOERROR", Path(doc, "ecs.dns.response_code"));
        Assert.Equal("e7.whatsapp.net", Path(doc, "ecs.dns.question.name"));
        Assert.Equal("A", Path(doc, "ecs.dns.question.type"));
        Assert.Equal("IN", Path(doc, "ecs.dns.question.class"));
        Assert.Equal("[\"RD\",\"RA\"]", Path(doc, "ecs.dns.header_flags"));
        var answers = doc.RootElement.GetProperty("ecs").GetProperty("dns").GetProperty("answers");
        Assert.Equal(8, answers.GetArrayLength());
        Assert.Equal("e7.whatsapp.net", answers[0].GetProperty("name").GetString());
        Assert.Equal("169.45.219.235", answers[0].GetProperty("data").GetString());
        Assert.Equal(491, answers[0].GetProperty("ttl").GetInt32());
        Assert.Equal(8, doc.RootElement.GetProperty("ecs").GetProperty("dns").GetProperty("resolved_ip").GetArrayLength());
        Assert.Null(Path(doc, "sniffer.dns"));
    }

    [Fact]
    public void ExtractsTcpQueryWithDoFlagAndNxdomainLess()
    {
        var meta = Assert.IsType<DnsMetadata>(RunExtract(Fp, Transport.Tcp, TcpQuery, []));
        using var doc = Json(meta);
        Assert.Equal("weberlab.de", Path(doc, "ecs.dns.question.name"));
        Assert.Equal("DNSKEY", Path(doc, "ecs.dns.question.type"));
        Assert.Equal("query", Path(doc, "ecs.dns.type"));
        Assert.Contains("DO", Path(doc, "ecs.dns.header_flags"), StringComparison.Ordinal);
    }

    [Fact]
    public void MdnsVariantFromClassBit()
    {
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, MdnsQuery).Status);
        var meta = RunExtract(Fp, Transport.Udp, MdnsQuery, [])!;
        using var doc = Json(meta);
        Assert.Equal("mdns", Path(doc, "sniffer.dns.variant"));
        Assert.Equal("_services._dns-sd._udp.local", Path(doc, "ecs.dns.question.name"));
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Tcp, TcpQuery, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, TcpResponseStart, asClient: false, datagram: false);
        AssertPrefixes(Fp, Transport.Udp, WaResponse, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Tcp, TcpQuery, TcpResponseStart);
        AssertSplits(Fp, Transport.Udp, WaQuery, WaResponse);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        // Pointer loop in the question name: c00c points at itself.
        var loop = Hex("12340100000100000000000003777777c00c00010001");
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, loop).Status);
        // Two pointers pointing at each other (answer name → question → answer): bounded walk, no hang.
        var pingpong = Hex("123481800001000100000000c00e0000010001c00c000100010000003c000401020304");
        _ = ProbeServer(Fp, Transport.Udp, pingpong);
        _ = RunExtract(Fp, Transport.Udp, [], pingpong);
        // Counts past the end.
        var counts = Hex("123481800001ffff00000000026537087768617473617070036e65740000010001");
        Assert.Equal(ProbeStatus.NoMatch, ProbeServer(Fp, Transport.Udp, counts).Status);
        // Control characters and invalid UTF-8 in a label still produce valid JSON.
        var weird = Hex("123401000001000000000000" + "0401ff0a22025c0000" + "00010001");
        _ = RunExtract(Fp, Transport.Udp, weird, []);
        AssertSurvivesMutations(Fp, Transport.Udp, WaResponse);
        AssertSurvivesMutations(Fp, Transport.Tcp, TcpQuery);
    }
}
