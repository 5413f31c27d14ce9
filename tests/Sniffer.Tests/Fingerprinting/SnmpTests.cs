using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Snmp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class SnmpTests
{
    private static readonly SnmpFingerprinter Fp = SnmpFingerprinter.Instance;

    // snmp.pcap frames 1/2: v1 get-next sysDescr / response "Globomantics..." community "public".
    private static readonly byte[] V1Request = Hex("302902010004067075626c6963a11c02044b781a6e020100020100300e300c06082b060102010105000500");
    private static readonly byte[] V1Response = Hex("303702010004067075626c6963a22a02044b781a6e020100020100301c301a06082b06010201010600040e476c6f626f6d616e746963734851");
    // frame 5: v2c get-next.
    private static readonly byte[] V2cRequest = Hex("302902010104067075626c6963a11c02045067d65c020100020100300e300c06082b060102010105000500");
    // frames 17/18: v3 discovery get (noAuthNoPriv) and its report.
    private static readonly byte[] V3Discovery = Hex("303e020103301102046c9af56e020300ffe30401040201030410300e0400020100020100040004000400301404000400a00e0204750558880201000201003000");
    private static readonly byte[] V3Report = Hex("3067020103301002046c9af56e020205dc040100020103041d301b040c800000090300aabbcc00010002010c020202cd0400040004003031040c800000090300aabbcc0001000400a81f0204750558880201000201003011300f060a2b060106030f01010400410101");
    // frame 31: v3 authNoPriv get-next with user SHA1NOPRIV.
    private static readonly byte[] V3Auth = Hex("307b020103301102043eccb10b020300ffe304010502010304333031040c800000090300aabbcc00010002010c02020564040a534841314e4f50524956040cf9a64b8f252078a0ea90fc150400302e040c800000090300aabbcc0001000400a11c0204674053aa020100020100300e300c06082b060102010105000500");
    // frame 56: v1 trap to port 162.
    private static readonly byte[] V1Trap = Hex("307b02010004067075626c6963a46e06082b0601060301010540040a011e01020103020100430303ab543051300f060a2b0601020102020101020201023019060a2b060102010202010202040b45746865726e6574302f31300f060a2b0601020102020103020201063012060c2b060104010902020101140204027570");

    [Fact]
    public void RealMessagesMatch()
    {
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, V1Request, V1Response).Confidence);
        Assert.Equal("snmp.request_response", Probe(Fp, Transport.Udp, V1Request, V1Response).Evidence);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, V2cRequest).Status);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Udp, V3Discovery, V3Report).Status);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, V3Auth).Status);
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Udp, V1Response).Status);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, V1Request, complete: false).Status);
    }

    [Fact]
    public void TrapMatchesOneSided()
    {
        var trap = V1Trap;
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, trap).Status);
        using var doc = Json(RunExtract(Fp, Transport.Udp, trap, [])!);
        Assert.Equal("trap", Path(doc, "sniffer.snmp.pdu_type"));
    }

    [Fact]
    public void ExtractsFields()
    {
        using var v1 = Json(RunExtract(Fp, Transport.Udp, V1Request, V1Response)!);
        Assert.Equal("1", Path(v1, "sniffer.snmp.version"));
        Assert.Equal("public", Path(v1, "sniffer.snmp.community"));
        Assert.Equal("get_next_request", Path(v1, "sniffer.snmp.pdu_type"));
        using var v2 = Json(RunExtract(Fp, Transport.Udp, V2cRequest, [])!);
        Assert.Equal("2c", Path(v2, "sniffer.snmp.version"));
        using var v3 = Json(RunExtract(Fp, Transport.Udp, [], V3Report)!);
        Assert.Equal("3", Path(v3, "sniffer.snmp.version"));
        Assert.Equal("report", Path(v3, "sniffer.snmp.pdu_type"));
        Assert.Null(Path(v3, "sniffer.snmp.community"));
    }

    [Fact]
    public void V3UserAndEngineFromUsmParameters()
    {
        // Discovery request (empty user and engine) and the agent's report naming its engine.
        using var discovery = Json(RunExtract(Fp, Transport.Udp, V3Discovery, V3Report)!);
        Assert.Equal("noAuthNoPriv", Path(discovery, "sniffer.snmp.security_level"));
        Assert.Equal("800000090300aabbcc000100", Path(discovery, "sniffer.snmp.engine_id"));
        Assert.Null(Path(discovery, "sniffer.snmp.user"));

        // The request after discovery names the user; the flow is already identified, so it arrives as a later datagram.
        var meta = new SnmpMetadata();
        ProtocolMetadata? boxed = meta;
        Assert.True(Fp.Extract(new InspectionContext(Transport.Udp, V3Discovery, V3Report, true, true), ref boxed));
        Assert.True(meta.WantsLaterDatagrams);
        meta.OnLaterDatagram(V3Auth, fromClient: true);
        Assert.False(meta.WantsLaterDatagrams);
        Assert.Equal("SHA1NOPRIV", meta.User);
        Assert.Equal("authNoPriv", meta.SecurityLevel);
        Assert.Equal("get_request", meta.PduType); // the first message's PDU stays

        using var auth = Json(RunExtract(Fp, Transport.Udp, V3Auth, [])!);
        Assert.Equal("SHA1NOPRIV", Path(auth, "sniffer.snmp.user"));
        Assert.Equal("authNoPriv", Path(auth, "sniffer.snmp.security_level"));
    }

    [Fact]
    public void V3LaterDatagramsAreBoundedAndMalformedUsmIsIgnored()
    {
        var meta = new SnmpMetadata();
        ProtocolMetadata? boxed = meta;
        Fp.Extract(new InspectionContext(Transport.Udp, V3Discovery, [], true, true), ref boxed);
        for (int i = 0; i < SnmpMetadata.MaxLaterDatagrams; i++)
        {
            Assert.True(meta.WantsLaterDatagrams);
            meta.OnLaterDatagram([0x30, 0x03, 0x02, 0x01, 0x03], fromClient: true);
        }

        Assert.False(meta.WantsLaterDatagrams);
        Assert.Null(meta.User);

        // A user name longer than RFC 3414's 32 octets: the message still probes as SNMP, the USM is not read.
        var longUser = SetUserName(V3Auth, new string('u', 33));
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, longUser).Status);
        using var doc = Json(RunExtract(Fp, Transport.Udp, longUser, [])!);
        Assert.Null(Path(doc, "sniffer.snmp.user"));
        Assert.Equal("authNoPriv", Path(doc, "sniffer.snmp.security_level"));
    }

    /// <summary>Re-encodes <see cref="V3Auth"/> with another user name (every enclosing length grows with it).</summary>
    private static byte[] SetUserName(byte[] message, string user)
    {
        var old = "SHA1NOPRIV"u8.ToArray();
        int at = message.AsSpan().IndexOf(old);
        int delta = user.Length - old.Length;
        var result = new List<byte>(message[..(at - 1)]) { (byte)user.Length };
        result.AddRange(System.Text.Encoding.ASCII.GetBytes(user));
        result.AddRange(message[(at + old.Length)..]);
        // The msgSecurityParameters OCTET STRING and its SEQUENCE keep short-form lengths; the outer SEQUENCE
        // grows past 127 and takes the long form (0x81 LL).
        var r = result.ToArray();
        int security = 2 + 3 + 2 + 0x11; // after the outer header, the version INTEGER and the header SEQUENCE
        Assert.Equal(0x04, r[security]);
        r[security + 1] = (byte)(r[security + 1] + delta);
        Assert.Equal(0x30, r[security + 2]);
        r[security + 3] = (byte)(r[security + 3] + delta);
        r = [0x30, 0x81, (byte)(r[1] + delta), .. r[2..]];
        return r;
    }

    [Fact]
    public void DatagramMustBeExactlyOneMessage()
    {
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, [.. V1Request, 0x00]).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, V1Request[..^1]).Status);
        // Version 2 does not exist.
        var v2 = (byte[])V1Request.Clone();
        v2[4] = 2;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, v2).Status);
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        foreach (var m in new[] { V1Request, V3Auth, V3Report })
        {
            AssertPrefixes(Fp, Transport.Udp, m, asClient: true, datagram: true);
            AssertPrefixes(Fp, Transport.Tcp, m, asClient: true, datagram: false);
        }

        AssertSplits(Fp, Transport.Udp, V1Request, V1Response);
        AssertSplits(Fp, Transport.Tcp, V3Discovery, V3Report);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        // Long-form length of 5 octets, indefinite length, and a community length past the end.
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Hex("3085ffffffffff020100")).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Hex("3080020100040161a000")).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Hex("300e0201010484ffffff00a0030201")).Status);
        // Control characters and invalid UTF-8 in the community.
        var weird = Hex("301c0201010405ff00c30a22a010020101020100020100300530030600");
        var meta = RunExtract(Fp, Transport.Udp, weird, []);
        Assert.NotNull(meta);
        AssertSurvivesMutations(Fp, Transport.Udp, V3Auth);
        AssertSurvivesMutations(Fp, Transport.Tcp, V1Trap);
    }
}
