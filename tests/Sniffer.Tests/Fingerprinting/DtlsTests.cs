using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Dtls;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class DtlsTests
{
    private static readonly DtlsFingerprinter Fp = DtlsFingerprinter.Instance;

    // stun.pcap: a Google Meet DTLS 1.2 ClientHello (record version 1.0), the first record of the server's flight
    // (ServerHello) and the whole flight (ServerHello, Certificate, ServerKeyExchange, CertificateRequest,
    // ServerHelloDone), and a Firefox/Zoom ClientHello carrying a cookie and ALPN webrtc.

    internal static readonly byte[] GoogleClientHello = Hex(
        "16feff0000000000000000008c010000800000000000000080fefdd57d7295a4ee3554acb5d888a0861f48831f7f9585e1621ed1f3e84edd8653cf00000016c02bc02fcca9cca8c009c013c00ac01400" +
        "9c002f00350100004000170000ff01000100000a00080006001d00170018000b0002010000230000000d00140012040308040401050308050501080606010201000e00050002000100");

    internal static readonly byte[] GoogleServerHello = Hex(
        "16fefd00000000000000000050020000440000000000000044fefd6239d8810e5e1b62df66ac95cb1a198bee82b4e4ec630b1d24260c2913955c6700c02f00001c00170000ff01000100000b00020100" +
        "00230000000e00050002000100");

    private static readonly byte[] GoogleServerFlight = Hex(
        "16fefd00000000000000000050020000440000000000000044fefd6239d8810e5e1b62df66ac95cb1a198bee82b4e4ec630b1d24260c2913955c6700c02f00001c00170000ff01000100000b00020100" +
        "00230000000e0005000200010016fefd000000000000000102b80b0002ac00010000000002ac0002a90002a6308202a23082018a0209009f2dd594561a7c89300d06092a864886f70d01010b05003013" +
        "3111300f06035504030c0868616e676f757473301e170d3232303331373032313131375a170d3233303331383032313131375a30133111300f06035504030c0868616e676f75747330820122300d0609" +
        "2a864886f70d01010105000382010f003082010a0282010100937bf5562124999a0a8b7be6398687ac56258376d79d46b835b49df8360dfe8999bae9df5ba9a77907c502569866923d74587e697c0a5d" +
        "d383ce892833049ab8718cbfd1ff5023bc87f2698b475f317fc41ece112bd7dfa5aa8536af06a51a51a0eeb0bce7622fabf0864dc4ff5bf7cebf6e59251257f60e974ebb6c3854b5ee87880698cb31d6" +
        "f28fe483ec30adef50fd710fc4f59f17cc3612e6a918bc3de4a7678f3f4c78f5057e721a903e5561d7de9d3e053d4b9acb8825b113629b67ad986123b776c2c79badfbd96e5e9cf96c9fcffba79cee14" +
        "09e1ac6bb9fe59c1cd4bf7f16a3975964936ed5e7803e457250e21cc53a093b46256e812226ef44f0d0203010001300d06092a864886f70d01010b050003820101007d280cf5dbabcc62f88abf55906f" +
        "22b551be8a8b2cf56528b05044476a1c2bd29f837ec43d1d15e6c4cfb5cfa8eb6361aaf671508f1e979335ed25fe95e75608162b6a6f18f65709b250ddf2341355a2bf83890fbf41c44b5acf15c9b4e7" +
        "eef18dea27462b4b612af8b3336f4799b832296d4f7000b5d121e1f555093175bff07a5db19ab0c76c1f91608c8806bbfa3f6a1ffdd3033d19b2e498d071aa1f4f50faeddc7d01856813616aa2f04424" +
        "84e22801eb7ef1ada9ccff0a2bfdc993866fa0b66761dc8cf9bd9d1183161a928da1cbdcea0cb534691588ebdd88c382e302806b341beba8ec7e3ab4d5177b4c93b2573d999ff1afaa2e39650da7e8fa" +
        "be8f16fefd000000000000000201340c000128000200000000012803001d2058ef39a9381ce358ecad8015515f0f6a6d9f07baa53423be086ff2578e88137e080401004226adaf59b260a2c6a9b534f7" +
        "105ded6e61b3801e206661e8e939272b04e899c39401fbbea6c7b4a3bfc3978eeaa36194f283d7ce62a51783b7effb48ddc96ce84042cc4dbae6fc415927eb1792858de00b30c097606d465b159d62d8" +
        "20c898fc2ea56c7868f1712ced517b8d32886e33ea68e151ea56af8ee41188014717862ab58397b36f47aa41b35a7efcaf2eb63cb42771e9ba023731e08780b38948b51bb15882f20d7190f5a63437e7" +
        "fe84ed7edd00f259b2f7a95b03d29fef0337ea2f4ea67e1641e87b6951a51304f957443f12a34a92c32bbed1848d24a3d0526d756bb20638f49c9e2bfe852b53a7356181d422558be7f50f9c1701d7a8" +
        "53ab1216fefd000000000000000300250d00001900030000000000190201400012040308040401050308050501080606010201000016fefd0000000000000004000c0e0000000004000000000000");

    private static readonly byte[] ZoomClientHello = Hex(
        "16feff000000000000000100b0010000a400000000000000a4fefdfc338fd99f2c1b3e3219703866514ef73387a590ed0a4ae2ecf926fff707dd9300000010c02bc02fcca9cca8c00ac009c013c01401" +
        "00006a00170000ff01000100000a00080006001d00170018000b000201000010001200100677656272746308632d776562727463000d0020001e04030503060302030804080508060401050106010201" +
        "0402050206020202001c00024000000e000b0008000700080001000200");

    [Fact]
    public void ClientHellosMatchNdpiFingerprints()
    {
        var r = ProbeClient(Fp, Transport.Udp, GoogleClientHello);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("dtls.client_hello", r.Evidence);

        var meta = (Sniffer.Fingerprinting.Tls.TlsMetadata)RunExtract(Fp, Transport.Udp, GoogleClientHello, GoogleServerFlight)!;
        using var doc = Json(meta);
        // nDPI prints dd2d110700_...: it sets 'd' from the host name it learnt from STUN; this hello has no
        // server_name extension (types 23,65281,10,11,35,13,14), so the JA4 spec gives 'i'. The hashes agree.
        Assert.Equal("dd2i110700_c45550529adf_d9dd6182da81", Path(doc, "sniffer.tls.client.ja4"));
        Assert.Equal("c14667d7da3e6f7a7ab5519ef78c2452", Path(doc, "ecs.tls.client.ja3"));
        Assert.Equal("1f5d6a6d0bc5d514dd84d13e6283d309", Path(doc, "ecs.tls.server.ja3s"));
        Assert.Equal("dtls", Path(doc, "ecs.tls.version_protocol"));
        Assert.Equal("1.2", Path(doc, "ecs.tls.version"));
        Assert.Equal("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Path(doc, "ecs.tls.cipher"));

        using var zoom = Json(RunExtract(Fp, Transport.Udp, ZoomClientHello, [])!);
        // nDPI: dd2d0808we_... (host name from STUN, first two ALPN characters); JA4 spec: no SNI → 'i', "webrtc" → "wc".
        Assert.Equal("dd2i0808wc_c6c2b6ec87e0_06b1ae923e2a", Path(zoom, "sniffer.tls.client.ja4"));
        Assert.Equal("3e12a43c7535bb32beac3928f8fe905d", Path(zoom, "ecs.tls.client.ja3"));
        Assert.Equal("[\"webrtc\",\"c-webrtc\"]", Path(zoom, "sniffer.tls.client.alpn"));
    }

    [Fact]
    public void ServerSideAndBothSides()
    {
        Assert.Equal("dtls.server_hello", ProbeServer(Fp, Transport.Udp, GoogleServerHello).Evidence);
        Assert.Equal(Confidence.High, ProbeServer(Fp, Transport.Udp, GoogleServerFlight).Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, GoogleClientHello, GoogleServerFlight).Confidence);
        // HelloVerifyRequest (RFC 6347 §4.2.1) with a 4-byte cookie.
        var hvr = Hex("16feff00000000000000000013" + "030000070000000000000007" + "feff04a1b2c3d4");
        Assert.Equal("dtls.hello_verify_request", ProbeServer(Fp, Transport.Udp, hvr).Evidence);
        // An epoch-1 application data record mid-flow: a structural match only.
        var appData = Hex("17fefd0001000000000005000a" + "00010203040506070809");
        var r = ProbeClient(Fp, Transport.Udp, appData);
        Assert.Equal(Confidence.Medium, r.Confidence);
        Assert.Equal("dtls.record", r.Evidence);
        // A ClientHello fragment: the handshake start only.
        var fragment = (byte[])GoogleClientHello.Clone();
        fragment[24] = 0x10; // fragment_length smaller than length
        Assert.Equal("dtls.handshake", ProbeClient(Fp, Transport.Udp, fragment).Evidence);
    }

    [Fact]
    public void BrokenStructureDoesNotMatch()
    {
        var badVersion = (byte[])GoogleClientHello.Clone();
        badVersion[2] = 0x03;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, badVersion).Status);
        var trailing = (byte[])[.. GoogleClientHello, 0x00];
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, trailing).Status);
        var longCookie = (byte[])GoogleClientHello.Clone();
        longCookie[13 + 12 + 35 + longCookie[13 + 12 + 34]] = 0xff;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, longCookie).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, GoogleClientHello).Status);
    }

    [Fact]
    public void PrefixesSplitsAndMutations()
    {
        AssertPrefixes(Fp, Transport.Udp, GoogleClientHello, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, ZoomClientHello, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, GoogleServerFlight, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Udp, GoogleClientHello, GoogleServerFlight);
        AssertSplits(Fp, Transport.Udp, [], GoogleServerHello);
        AssertSurvivesMutations(Fp, Transport.Udp, GoogleClientHello);
        AssertSurvivesMutations(Fp, Transport.Udp, ZoomClientHello);
        AssertSurvivesMutations(Fp, Transport.Udp, GoogleServerFlight);
    }

    [Fact]
    public void ForeignDatagramsNeverMatch()
    {
        AssertNeverMatches(Fp, CommonNegatives());
        AssertNeverMatches(Fp,
        [
            Hex("123401000001000000000000076578616d706c6503636f6d0000010001"), // DNS query
            Hex("230207eb00000450000003ab83bc03dfd94f51c33165b860d944575530336fd0d944575531b4e978d94f51f42d26e2f4"), // NTP
            Hex("302602010104067075626c6963a01902044a5a1c42020100020100300b300906052b060102010500"), // SNMP get
            Hex("000100002112a442b7e7a701bc34d686fa87dfae"), // STUN binding request
            [0x01, 0, 0, 0, .. Enumerable.Range(0, 144).Select(i => (byte)(i * 37))], // WireGuard initiation
            [0xc0, 0, 0, 0, 1, 8, .. new byte[1250]], // QUIC-like
            [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00], // TLS record
        ]);
    }
}
