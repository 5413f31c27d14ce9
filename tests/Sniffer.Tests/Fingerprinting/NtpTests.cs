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
