using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Ntp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class NtpTests
{
    private static readonly NtpFingerprinter Fp = NtpFingerprinter.Instance;

    // NTPv3.pcap: v3 server reply, stratum 0.
    private static readonly byte[] V3Server = Hex("1c0004fa00000000000000000000000000000000000000000000000000000000d94f4f1100000000d94f4f1100000000");
    // NTPv4.pcap: v4 client request, stratum 2, reference 131.188.3.223.
    private static readonly byte[] V4Client = Hex("230207eb00000450000003ab83bc03dfd94f51c33165b860d944575530336fd0d944575531b4e978d94f51f42d26e2f4");
    // ntpq "rv" (mode 6 read variables, v2) request and a hand-made 4-byte response.
    private static readonly byte[] ControlRequest = Hex("160200010000000000000000");
    private static readonly byte[] ControlResponse = Hex("1682000106180000000000047665723d");
    // chrony 4.3 `chronyd -Q` request and `chronyd` server reply (stratum 8, local reference 127.127.1.1), captured
    // live: a client-mode request hides its clock (precision 0x20 = +32, everything zero but the transmit time).
    private static readonly byte[] ChronyClient = Hex("23000620000000000000000000000000000000000000000000000000000000000000000000000000c961a912e7730716");
    private static readonly byte[] ChronyServer = Hex("240806e600000000000000007f7f0101eeb374e9b769a21ec961a912e7730716eeb374eb1e6891c5eeb374eb1e6e15c2");

    [Fact]
    public void RealMessagesMatch()
    {
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Udp, V3Server).Status);
        var r = ProbeClient(Fp, Transport.Udp, V4Client);
        Assert.Equal("ntp.header", r.Evidence);
        Assert.Equal(Confidence.Medium, r.Confidence);
        var both = Probe(Fp, Transport.Udp, V4Client, V3Server);
        Assert.Equal(Confidence.High, both.Confidence);
        Assert.Equal("ntp.control", ProbeClient(Fp, Transport.Udp, ControlRequest).Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, ControlRequest, ControlResponse).Confidence);
        // Two clients' requests do not make an exchange.
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, V4Client, V4Client).Status);
    }

    [Fact]
    public void ChronyDataMinimizedRequestMatches()
    {
        Assert.Equal("ntp.header", ProbeClient(Fp, Transport.Udp, ChronyClient).Evidence);
        var both = Probe(Fp, Transport.Udp, ChronyClient, ChronyServer);
        Assert.Equal(ProbeStatus.Match, both.Status);
        Assert.Equal(Confidence.High, both.Confidence);
        using var j = Json(RunExtract(Fp, Transport.Udp, ChronyClient, ChronyServer)!);
        Assert.Equal("server", Path(j, "sniffer.ntp.mode"));
        Assert.Equal("8", Path(j, "sniffer.ntp.stratum"));
        Assert.Equal("127.127.1.1", Path(j, "sniffer.ntp.reference_id"));
        // +32 is the client's privacy value only: a server (mode 4) or another positive precision is still not NTP.
        var server32 = (byte[])ChronyServer.Clone();
        server32[3] = 0x20;
        Assert.Equal(ProbeStatus.NoMatch, ProbeServer(Fp, Transport.Udp, server32).Status);
        var client31 = (byte[])ChronyClient.Clone();
        client31[3] = 0x1F;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, client31).Status);
        AssertSplits(Fp, Transport.Udp, ChronyClient, ChronyServer);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Udp, V4Client, [])!);
        Assert.Equal("4", Path(a, "sniffer.ntp.version"));
        Assert.Equal("client", Path(a, "sniffer.ntp.mode"));
        Assert.Equal("2", Path(a, "sniffer.ntp.stratum"));
        Assert.Equal("131.188.3.223", Path(a, "sniffer.ntp.reference_id"));
        using var b = Json(RunExtract(Fp, Transport.Udp, V4Client, V3Server)!);
        Assert.Equal("server", Path(b, "sniffer.ntp.mode"));
        Assert.Equal("3", Path(b, "sniffer.ntp.version"));
        Assert.Null(Path(b, "sniffer.ntp.reference_id"));
        var kiss = (byte[])V3Server.Clone();
        "RATE"u8.CopyTo(kiss.AsSpan(12));
        using var c = Json(RunExtract(Fp, Transport.Udp, [], kiss)!);
        Assert.Equal("RATE", Path(c, "sniffer.ntp.reference_id"));
    }

    [Fact]
    public void BadHeadersDoNotMatch()
    {
        var v5 = (byte[])V4Client.Clone();
        v5[0] = 0x2B; // VN 5
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, v5).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, V4Client[..47]).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, [.. V4Client, 1]).Status);
        var stratum = (byte[])V4Client.Clone();
        stratum[1] = 17;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, stratum).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, V4Client).Status);
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Udp, V4Client, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, V3Server, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Udp, V4Client, V3Server);
        AssertSplits(Fp, Transport.Udp, ControlRequest, ControlResponse);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        var control = Hex("1602000100000000000001ff"); // count 511 > available
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, control).Status);
        var weirdKiss = (byte[])V3Server.Clone();
        new byte[] { 0xFF, 0x01, 0x22, 0x5C }.CopyTo(weirdKiss.AsSpan(12));
        _ = RunExtract(Fp, Transport.Udp, [], weirdKiss);
        AssertSurvivesMutations(Fp, Transport.Udp, V4Client);
        AssertSurvivesMutations(Fp, Transport.Udp, ControlResponse);
    }
}
