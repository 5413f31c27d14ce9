using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Elasticsearch;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class ElasticsearchTests
{
    private static readonly ElasticsearchFingerprinter Fp = ElasticsearchFingerprinter.Instance;

    // elasticsearch.pcap: 6.8.0-compatible TCP handshake request ("internal:tcp/handshake") and its response.
    private static readonly byte[] Handshake = Hex("455300000034000000000000000108005cc66300000106782d7061636b16696e7465726e616c3a7463702f68616e647368616b650004cbf6ae03");
    private static readonly byte[] HandshakeReply = Hex("455300000013000000000000000109005cc6630000cbf6ae03");
    // elasticsearch.pcap: 7.6.2 request with a variable header (security header, "internal:transport/handshake").
    private static readonly byte[] Request762 = Hex("4553000000a9000000000000000400006bbb4b00000097011e5f787061636b5f73656375726974795f61757468656e7469636174696f6e50792f61754177454858334e356333526c6252646c6247467a64476c6a4c5735765a4755774d69356e59584a794c6d786859676866583246306447466a61416866583246306447466a614141454367413d000106782d7061636b1c696e7465726e616c3a7472616e73706f72742f68616e647368616b6500");
    private static readonly byte[] Ping = Hex("4553ffffffff");

    [Fact]
    public void RealMessagesMatch()
    {
        var r = ProbeClient(Fp, Transport.Tcp, Handshake);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal("elasticsearch.message", r.Evidence);
        Assert.Equal(Confidence.Medium, r.Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, Handshake, HandshakeReply).Confidence);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, Request762).Status);
        Assert.Equal("elasticsearch.ping", ProbeServer(Fp, Transport.Tcp, Ping).Evidence);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Handshake).Status);
        // Several messages in one segment, a ping first.
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, [.. Ping, .. Handshake]).Status);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Tcp, Handshake, HandshakeReply)!);
        Assert.Equal("6.8.0", Path(a, "sniffer.elasticsearch.version"));
        Assert.Equal("6080099", Path(a, "sniffer.elasticsearch.version_id"));
        Assert.Equal("internal:tcp/handshake", Path(a, "sniffer.elasticsearch.action"));
        var meta = RunExtract(Fp, Transport.Tcp, [.. Handshake, .. Request762], [])!;
        Assert.Equal("Elasticsearch", meta.ApplicationName);
        Assert.Equal("7.6.2", meta.ApplicationVersion);
        using var b = Json(meta);
        Assert.Equal("7.6.2", Path(b, "sniffer.elasticsearch.version"));
        Assert.Equal("internal:tcp/handshake", Path(b, "sniffer.elasticsearch.action"));
        using var c = Json(RunExtract(Fp, Transport.Tcp, Request762, [])!);
        Assert.Equal("internal:transport/handshake", Path(c, "sniffer.elasticsearch.action"));
    }

    [Fact]
    public void BadHeadersDoNotMatch()
    {
        void No(byte[] d) => Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, d).Status);
        var status = (byte[])Handshake.Clone();
        status[14] = 0x18;
        No(status);
        var version = (byte[])Handshake.Clone();
        version[15] = 0x7F;
        No(version);
        var length = (byte[])Handshake.Clone();
        length[2] = 0x40;
        No(length);
        var shortLength = (byte[])Handshake.Clone();
        shortLength[5] = 0x05;
        No(shortLength);
        var variable = (byte[])Request762.Clone();
        variable[21] = 0x7F; // variable header larger than the message
        No(variable);
        No("ES is not a protocol\r\n"u8.ToArray());
        No(Hex("4553ffffff00"));
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Tcp, Handshake, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, Request762, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, HandshakeReply, asClient: false, datagram: false);
        AssertSplits(Fp, Transport.Tcp, Handshake, HandshakeReply);
        AssertSplits(Fp, Transport.Tcp, Request762, []);
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
        var hostile = (byte[])Handshake.Clone();
        hostile[25] = 0x7F; // action length past the end
        _ = RunExtract(Fp, Transport.Tcp, hostile, []);
        AssertSurvivesMutations(Fp, Transport.Tcp, Handshake);
        AssertSurvivesMutations(Fp, Transport.Tcp, Request762);
    }
}
