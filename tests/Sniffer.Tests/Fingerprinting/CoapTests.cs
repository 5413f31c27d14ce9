using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Coap;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class CoapTests
{
    private static readonly CoapFingerprinter Fp = CoapFingerprinter.Instance;

    // libcoap 4.3 coap-client/coap-server on 127.0.0.1: GET /time (CON, 1-byte token) and its piggybacked 2.05.
    private static readonly byte[] GetTime = Hex("4101898e01723d434474696d65");
    private static readonly byte[] Content = Hex("6145898e01d10101ff4e6f762032362032333a32373a3034");
    // GET /.well-known/core
    private static readonly byte[] GetCore = Hex("4101a09f01723d434b2e77656c6c2d6b6e6f776e04636f7265");
    // PUT /example_data "hello" and 2.04 Changed.
    private static readonly byte[] Put = Hex("4103b4b001723d434c6578616d706c655f64617461ff68656c6c6f");
    private static readonly byte[] Changed = Hex("6144b4b001");
    // NON GET /nosuch and NON 4.04 Not Found with a diagnostic payload.
    private static readonly byte[] NonGet = Hex("5101fcbf01723d43466e6f73756368");
    private static readonly byte[] NotFound = Hex("5184fcbf01ff4e6f7420466f756e64");

    [Fact]
    public void RealMessagesMatch()
    {
        var r = ProbeClient(Fp, Transport.Udp, GetTime);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal("coap.request", r.Evidence);
        Assert.Equal(Confidence.Low, r.Confidence); // a lone datagram
        Assert.Equal("coap.response", ProbeServer(Fp, Transport.Udp, Content).Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, GetTime, Content).Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, Put, Changed).Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, NonGet, NotFound).Confidence);
        Assert.Equal(Confidence.Medium, Probe(Fp, Transport.Udp, GetCore, Hex("6144b4b002")).Confidence); // neither ID nor token agree
        Assert.Equal("coap.empty", ProbeClient(Fp, Transport.Udp, Hex("40001234")).Evidence);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, GetTime).Status);
    }

    /// <summary>One message one way waits for the reply or the same side's next datagram; random bytes after it end the guess.</summary>
    [Fact]
    public void OneWayMessageIsConfirmedByTheNextDatagram()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, ProbeClient(Fp, Transport.Udp, GetTime, complete: false).Status);
        var retransmitted = Fp.Probe(new InspectionContext(Transport.Udp, GetTime, [], true, false) { ClientNext = GetTime.AsSpan(0, 4) });
        Assert.Equal(ProbeStatus.Match, retransmitted.Status);
        Assert.Equal(Confidence.Medium, retransmitted.Confidence);
        Assert.Equal("coap.request", retransmitted.Evidence);
        var notCoap = Fp.Probe(new InspectionContext(Transport.Udp, GetTime, [], true, false) { ClientNext = Hex("c1450000") }); // version 3
        Assert.Equal(ProbeStatus.NoMatch, notCoap.Status);
        var server = Fp.Probe(new InspectionContext(Transport.Udp, [], Content, false, true) { ServerNext = Content.AsSpan(0, 4) });
        Assert.Equal("coap.response", server.Evidence);
        Assert.Equal(Confidence.Medium, server.Confidence);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Udp, GetTime, Content)!);
        Assert.Equal("confirmable", Path(a, "sniffer.coap.type"));
        Assert.Equal("0.01 GET", Path(a, "sniffer.coap.code"));
        Assert.Equal("2.05 Content", Path(a, "sniffer.coap.response_code"));
        Assert.Equal("/time", Path(a, "sniffer.coap.uri_path"));
        using var b = Json(RunExtract(Fp, Transport.Udp, GetCore, [])!);
        Assert.Equal("/.well-known/core", Path(b, "sniffer.coap.uri_path"));
        using var c = Json(RunExtract(Fp, Transport.Udp, [], NotFound)!);
        Assert.Equal("non_confirmable", Path(c, "sniffer.coap.type"));
        Assert.Equal("4.04 Not Found", Path(c, "sniffer.coap.response_code"));
        Assert.Null(Path(c, "sniffer.coap.code"));
    }

    [Fact]
    public void BadHeadersDoNotMatch()
    {
        void No(byte[] d) => Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, d).Status);
        var v2 = (byte[])GetTime.Clone();
        v2[0] = 0x81;
        No(v2);
        var token9 = (byte[])GetTime.Clone();
        token9[0] = 0x49;
        No(token9);
        var code = (byte[])GetTime.Clone();
        code[1] = 0x08; // 0.08 undefined
        No(code);
        code[1] = 0xE1; // class 7
        No(code);
        var ackRequest = (byte[])GetTime.Clone();
        ackRequest[0] = 0x61;
        No(ackRequest);
        No([.. GetTime[..^2]]); // Uri-Path length past the end
        No([.. GetTime, 0xFF]); // marker without payload
        No([.. GetTime, 0xF0]); // delta nibble 15
        No(Hex("4001123401")); // Empty code with trailing bytes
        No(Hex("410112340a0100")); // option number 0 (reserved)
        No(Hex("4101123401d00000")); // option 13 (undefined) via extended delta
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Udp, GetCore, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, Content, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Udp, GetTime, Content);
        AssertSplits(Fp, Transport.Udp, Put, Changed);
    }

    [Fact]
    public void ForeignBytesNeverMatch()
    {
        AssertNeverMatches(Fp, CommonNegatives());
        AssertNeverMatches(Fp, UdpSiblingSamples.All());
    }

    [Fact]
    public void HostileValues()
    {
        // Uri-Path with control characters and invalid UTF-8.
        _ = RunExtract(Fp, Transport.Udp, Hex("4101898e01b5ff0122c35c"), []);
        var many = new List<byte> { 0x40, 0x01, 0x00, 0x01 };
        for (int i = 0; i < 40; i++)
        {
            many.Add(i == 0 ? (byte)0xB1 : (byte)0x01);
            many.Add((byte)'a');
        }

        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, [.. many]).Status);
        AssertSurvivesMutations(Fp, Transport.Udp, GetCore);
        AssertSurvivesMutations(Fp, Transport.Udp, Content);
    }
}
