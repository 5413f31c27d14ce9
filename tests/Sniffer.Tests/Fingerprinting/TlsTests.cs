using System.Buffers.Binary;
using System.Globalization;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Tls;
using Sniffer.Tests.Support;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class TlsTests
{
    private static readonly TlsFingerprinter Fp = TlsFingerprinter.Instance;

    private static byte[] FirstRecord(byte[] stream) => stream[..(5 + BinaryPrimitives.ReadUInt16BigEndian(stream.AsSpan(3)))];

    [Fact]
    public void RealCurlClientHelloAndOpenSslServerHello()
    {
        var (client, server) = SampleStreams.Tls;
        var r = Probe(Fp, Transport.Tcp, client, server);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("tls.client_hello", r.Evidence);
        var meta = Assert.IsType<TlsMetadata>(RunExtract(Fp, Transport.Tcp, client, server));
        using var doc = Json(meta);
        Assert.Equal("demo.sniffer.test", Path(doc, "ecs.tls.client.server_name"));
        Assert.Equal("1.3", Path(doc, "ecs.tls.version"));
        Assert.Equal("tls", Path(doc, "ecs.tls.version_protocol"));
        Assert.Equal("TLS_AES_256_GCM_SHA384", Path(doc, "ecs.tls.cipher"));
        Assert.Equal("[\"h2\",\"http/1.1\"]", Path(doc, "sniffer.tls.client.alpn"));
        Assert.Equal(32, Path(doc, "ecs.tls.client.ja3")!.Length);
        Assert.Equal(Ja3.Hash(meta.Ja3String!), meta.Ja3);
        Assert.StartsWith("t13d", Path(doc, "sniffer.tls.client.ja4"), StringComparison.Ordinal);
        Assert.Equal("771,4866,43-51", meta.Ja3sString); // TLS 1.3 ServerHello: supported_versions + key_share
    }

    [Fact]
    public void Ja3TestVector()
    {
        var hello = new TlsHello(isClient: true, legacyVersion: 769,
            cipherSuites: [0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4], // GREASE first: removed
            extensions: [0, 10, 11], supportedGroups: [23, 24, 25], pointFormats: [0]);
        Assert.Equal("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0", Ja3.ClientString(hello));
        Assert.Equal("ada70206e40642a3e4461f35503241d5", Ja3.Hash(Ja3.ClientString(hello)));
    }

    [Fact]
    public void Ja4WorkedExampleFromFoxIo()
    {
        // JA4.md: t13d1516h2_8daaf6152771_e5627efa2ab1 with ja4_r
        // t13d1516h2_002f,0035,...,cca9_0005,000a,...,ff01_0403,0804,0401,0503,0805,0501,0806,0601 (SNI and ALPN present, not listed).
        var hello = new TlsHello(isClient: true, legacyVersion: 0x0303,
            cipherSuites: Hex("1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035,0a0a"),
            extensions: Hex("0a0a,0000,0017,ff01,000a,000b,0023,0010,0005,000d,0012,0033,002d,002b,001b,4469,0015"),
            signatureAlgorithms: Hex("0403,0804,0401,0503,0805,0501,0806,0601"),
            supportedVersions: [0x2a2a, 0x0304, 0x0303], firstAlpnRaw: "h2"u8.ToArray());
        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1", Ja4.Compute(hello));
        Assert.Equal("t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601", Ja4.Raw(hello));
    }

    private static ushort[] Hex(string list) => list.Split(',').Select(h => ushort.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();

    [SkippableTheory]
    [InlineData("chrome.pcap", "aa50c12a5dfa717d9d6ab34e97de79d5", "t13d1516h2_8daaf6152771_e5627efa2ab1")]
    [InlineData("chrome.pcap", "1b73862eae8f1711440a446b1ef357fd", "t13d1516h2_8daaf6152771_9b887d9acb53")]
    [InlineData("443-curl.pcap", "2a26b1a62e40d25d4de3babc9d532f30", "t12d6707h2_2955a3196ffa_c83f907a73d3")]
    public void FingerprintsMatchNdpiOnItsCaptures(string capture, string ja3, string ja4)
    {
        string pcap = System.IO.Path.Combine(SnifferBinary.CorpusDir, "pcap", capture);
        Skip.IfNot(File.Exists(pcap), "the shared nDPI corpus is not beside this checkout");
        var (records, _) = PipelineRunner.Run(File.ReadAllBytes(pcap), new Sniffer.Pipeline.SnifferOptions { AnyPort = true });
        Assert.Contains(records.Action("flow_end"), f => f.Str("tls.client.ja3") == ja3 && f.Str("sniffer.tls.client.ja4") == ja4);
    }

    [Fact]
    public void ClientHelloSplitOverRecordsAndSegments()
    {
        var (client, server) = SampleStreams.Tls;
        var record = FirstRecord(client);
        var body = record[5..];
        // Re-frame the same handshake message as three TLS records.
        var parts = new[] { body[..100], body[100..300], body[300..] };
        var framed = parts.SelectMany(p => (byte[])[0x16, 0x03, 0x01, (byte)(p.Length >> 8), (byte)p.Length, .. p]).ToArray();
        var r = ProbeClient(Fp, Transport.Tcp, framed);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        var meta = Assert.IsType<TlsMetadata>(RunExtract(Fp, Transport.Tcp, framed, []));
        Assert.Equal("demo.sniffer.test", meta.Client!.ServerName);
        AssertSplits(Fp, Transport.Tcp, framed, server);
    }

    [Fact]
    public void EveryPrefixAndSplit()
    {
        var (client, server) = SampleStreams.Tls;
        AssertPrefixes(Fp, Transport.Tcp, FirstRecord(client), asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, FirstRecord(server), asClient: false, datagram: false);
        AssertSplits(Fp, Transport.Tcp, client, server);
        Assert.Equal("tls.server_hello", ProbeServer(Fp, Transport.Tcp, server).Evidence);
    }

    [Fact]
    public void NegativesAndMutations()
    {
        var (httpClient, httpServer) = SampleStreams.Http;
        var (sshClient, sshServer) = SampleStreams.Ssh;
        var negatives = CommonNegatives().Where(b => b.Length == 0 || b[0] != 0x16).Concat([httpClient, httpServer, sshClient, sshServer]).ToList();
        // A handshake record that is not a hello (e.g. a truncated fake) must not match either.
        negatives.Add([0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0x00, 0x00, 0x00]);
        AssertNeverMatches(Fp, negatives);
        AssertSurvivesMutations(Fp, Transport.Tcp, FirstRecord(SampleStreams.Tls.Client));
        AssertSurvivesMutations(Fp, Transport.Tcp, FirstRecord(SampleStreams.Tls.Server));
    }

    [Theory]
    [InlineData((ushort)0x0a0a, true)]
    [InlineData((ushort)0xfafa, true)]
    [InlineData((ushort)0x0a1a, false)]
    [InlineData((ushort)0x1301, false)]
    public void Grease(ushort value, bool grease) => Assert.Equal(grease, TlsHelloParser.IsGrease(value));
}
