using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Stun;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class StunTests
{
    private static readonly StunFingerprinter Fp = StunFingerprinter.Instance;

    // stun.pcap (Google, UDP 3478): Binding Request and its success response.
    private static readonly byte[] UdpRequest = Hex("000100002112a44253486b6846386f6477677956");
    private static readonly byte[] UdpResponse = Hex("0101000c2112a44253486b6846386f64776779560020000800017d527c3d45a3");
    // stun.pcap (Facebook TURN, UDP): Allocate Request and 401 error response with REALM.
    private static readonly byte[] FbAllocate = Hex("000300082112a442414b37515079504b396575560019000411000000");
    private static readonly byte[] FbError = Hex("011300542112a442414b37515079504b396575560009001000000401756e617574686f72697a656400150028626230333164363163636331626538326532343031343433356564353266323666626136323438330014000f7475726e65722e66616365626f6f6b00");
    // stun.pcap (coturn over TCP 3478): Allocate Request, 401 response with SOFTWARE.
    private static readonly byte[] TcpAllocate = Hex("000300082112a442704d5356786253396b724e440019000411000000");
    private static readonly byte[] CoturnError = Hex("011300642112a442704d5356786253396b724e440009001000000401556e617574686f72697a656400150010636263646363636637333533613731300014000d617070732d686f73742e636f6d6964658022001a436f7475726e2d342e352e302e35202764616e2045696465722700048028000405f95fe9");
    // stun.pcap (Teams over TCP): RFC 4571 framed Binding Request with USERNAME.
    private static readonly byte[] Framed = Hex("0068000100542112a442f3439453b698fb2950bb06ed000600092f7049303a546f4564000000002400046e6bfcff80290008000000000004c2d18054000132000000807000040000000300080014fe92876ad46d7b797d42eb8d79a805faf31d72d1802800040200fc47");
    // RFC 3489 Binding Request with CHANGE-REQUEST (no cookie).
    private static readonly byte[] Classic = Hex("00010008 0123456789abcdef0123456789abcdef 00030004 00000000");

    [Fact]
    public void RealMessagesMatch()
    {
        var r = ProbeClient(Fp, Transport.Udp, UdpRequest);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.Medium, r.Confidence);
        Assert.Equal("stun.message", r.Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, UdpRequest, UdpResponse).Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, FbAllocate, FbError).Confidence);
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Udp, FbError).Status);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, TcpAllocate, CoturnError).Confidence);
        // Messages ending with a valid FINGERPRINT (CRC-32) are verified on their own.
        Assert.Equal("stun.fingerprint", ProbeServer(Fp, Transport.Tcp, CoturnError).Evidence);
        Assert.Equal(Confidence.High, ProbeClient(Fp, Transport.Tcp, Framed).Confidence);
        var badCrc = (byte[])CoturnError.Clone();
        badCrc[^1] ^= 1;
        Assert.Equal("stun.message", ProbeServer(Fp, Transport.Tcp, badCrc).Evidence);
        var framedBadCrc = (byte[])Framed.Clone();
        framedBadCrc[^1] ^= 1;
        Assert.Equal("stun.framed", ProbeClient(Fp, Transport.Tcp, framedBadCrc).Evidence);
        Assert.Equal("stun.classic", ProbeClient(Fp, Transport.Udp, Classic).Evidence);
        Assert.Equal(Confidence.Low, ProbeClient(Fp, Transport.Udp, Classic).Confidence);
    }

    [Fact]
    public void TcpSeveralMessagesInOneSegment()
    {
        // stun_tcp_multiple_msgs_same_pkt.pcap: three Allocate Requests in one segment, then a ChannelData frame.
        byte[] three = [.. TcpAllocate, .. TcpAllocate, .. TcpAllocate, 0x40, 0x00, 0x00, 0x03, 1, 2, 3, 0];
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, three).Status);
        // Over UDP a datagram is one message.
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, three).Status);
        using var doc = Json(RunExtract(Fp, Transport.Tcp, three, [])!);
        Assert.Equal("allocate_request", Path(doc, "sniffer.stun.message_type"));
        // ChannelData alone is not STUN.
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, [0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]).Status);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Tcp, TcpAllocate, CoturnError)!);
        Assert.Equal("allocate_request", Path(a, "sniffer.stun.message_type"));
        Assert.Equal("Coturn-4.5.0.5 'dan Eider'", Path(a, "sniffer.stun.software"));
        Assert.Equal("apps-host.com", Path(a, "sniffer.stun.realm"));
        var meta = RunExtract(Fp, Transport.Tcp, TcpAllocate, CoturnError)!;
        Assert.Equal("Coturn", meta.ApplicationName);
        Assert.Equal("4.5.0.5", meta.ApplicationVersion);
        using var b = Json(RunExtract(Fp, Transport.Tcp, Framed, [])!);
        Assert.Equal("binding_request", Path(b, "sniffer.stun.message_type"));
        Assert.Equal("/pI0:ToEd", Path(b, "sniffer.stun.username"));
        using var c = Json(RunExtract(Fp, Transport.Udp, [], FbError)!);
        Assert.Equal("allocate_error_response", Path(c, "sniffer.stun.message_type"));
        Assert.Equal("turner.facebook", Path(c, "sniffer.stun.realm"));
        using var d = Json(RunExtract(Fp, Transport.Udp, UdpRequest, UdpResponse)!);
        Assert.Equal("binding_request", Path(d, "sniffer.stun.message_type"));
        Assert.Null(Path(d, "sniffer.stun.software"));
    }

    [Fact]
    public void BadHeadersDoNotMatch()
    {
        var noCookie = (byte[])UdpRequest.Clone();
        noCookie[4] = 0x21; noCookie[5] = 0x13;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, noCookie).Status); // classic needs attributes
        var topBits = (byte[])FbAllocate.Clone();
        topBits[0] = 0x40;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, topBits).Status);
        var badLength = (byte[])FbAllocate.Clone();
        badLength[3] = 0x0A;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, badLength).Status);
        var badAttr = (byte[])FbAllocate.Clone();
        badAttr[23] = 0x20; // attribute length past the body
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, badAttr).Status);
        var classicUnknownAttr = (byte[])Classic.Clone();
        classicUnknownAttr[21] = 0x33;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, classicUnknownAttr).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, [.. UdpRequest, 0, 0, 0, 0]).Status);
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Udp, UdpResponse, asClient: false, datagram: true);
        AssertPrefixes(Fp, Transport.Tcp, CoturnError, asClient: false, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, Framed, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, TcpAllocate, asClient: true, datagram: false);
        AssertSplits(Fp, Transport.Udp, UdpRequest, UdpResponse);
        AssertSplits(Fp, Transport.Tcp, TcpAllocate, CoturnError);
        AssertSplits(Fp, Transport.Tcp, Framed, []);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        var hostile = (byte[])CoturnError.Clone();
        // SOFTWARE value with control characters and invalid UTF-8.
        new byte[] { 0xFF, 0x01, 0x22, 0x5C, 0xC3 }.CopyTo(hostile.AsSpan(72));
        _ = RunExtract(Fp, Transport.Tcp, [], hostile);
        AssertSurvivesMutations(Fp, Transport.Tcp, CoturnError);
        AssertSurvivesMutations(Fp, Transport.Udp, FbError);
        AssertSurvivesMutations(Fp, Transport.Tcp, Framed);
    }
}

public class StunSiblingTests
{
    [Fact]
    public void SiblingDatagramsNeverMatch() => AssertNeverMatches(StunFingerprinter.Instance, UdpSiblingSamples.All());
}
