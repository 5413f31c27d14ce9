using System.Text;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Syslog;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class SyslogTests
{
    private static readonly SyslogFingerprinter Fp = SyslogFingerprinter.Instance;

    // syslog.pcap TCP flow (port 49948 → 52173): RFC 5424, LF-delimited.
    private static readonly byte[] Rfc5424 = Hex(
        "3c32323e3120323032312d30342d31385431343a35313a34382b30343a3030206950686f6e65372c3220636f6d2e6474732e66726565666972" +
        "657468202d202d202d205b312e36302e312d342e302e355d203c36304246373134332d3134343e203c2b5b42656554616c6b2068616e646c65" +
        "4469644265636f6d654163746976655d3a3332313e0a");
    // syslog.pcap UDP: BSD "<147>Jan  2 10:09:52 nb6 chillispot[4222]: ...".
    private static readonly byte[] Rfc3164 = Hex(
        "3c3134373e4a616e2020322031303a30393a3532206e6236206368696c6c6973706f745b343232325d3a20433a3139322e3136382e322e38332f" +
        "30303a31393a37443a33423a36463a44340a");
    // syslog.pcap UDP: Cisco IOS and FortiGate shapes (PRI + text).
    private static readonly byte[] Cisco = Encoding.ASCII.GetBytes("<189>30: *Sep 22 13:34:49.195: %SYS-5-CONFIG_I: Configured from console by console");
    private static readonly byte[] Forti = Encoding.ASCII.GetBytes("<189>date=2021-12-09 time=16:29:06 devname=\"ATMFLJQABIL-UT-83\" devid=\"FGT61ETK19009449\"");

    [Fact]
    public void RealMessagesMatch()
    {
        var r = ProbeClient(Fp, Transport.Tcp, Rfc5424, complete: false);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal("syslog.rfc5424", r.Evidence);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("syslog.rfc3164", ProbeClient(Fp, Transport.Udp, Rfc3164).Evidence);
        Assert.Equal("syslog.pri", ProbeClient(Fp, Transport.Udp, Cisco).Evidence);
        Assert.Equal(Confidence.Medium, ProbeClient(Fp, Transport.Udp, Forti).Confidence);
        // RFC 6587 octet counting.
        byte[] framed = [.. Encoding.ASCII.GetBytes(Rfc5424.Length + " "), .. Rfc5424];
        Assert.Equal("syslog.rfc5424", ProbeClient(Fp, Transport.Tcp, framed, complete: false).Evidence);
    }

    [Fact]
    public void ExtractsEcsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Tcp, Rfc5424, [])!);
        Assert.Equal("22", Path(a, "ecs.log.syslog.priority"));
        Assert.Equal("2", Path(a, "ecs.log.syslog.facility.code"));
        Assert.Equal("6", Path(a, "ecs.log.syslog.severity.code"));
        Assert.Equal("iPhone7,2", Path(a, "ecs.log.syslog.hostname"));
        Assert.Equal("com.dts.freefireth", Path(a, "ecs.log.syslog.appname"));
        Assert.Equal("1", Path(a, "ecs.log.syslog.version"));
        Assert.Null(Path(a, "ecs.log.syslog.procid"));
        using var b = Json(RunExtract(Fp, Transport.Udp, Rfc3164, [])!);
        Assert.Equal("147", Path(b, "ecs.log.syslog.priority"));
        Assert.Equal("nb6", Path(b, "ecs.log.syslog.hostname"));
        Assert.Equal("chillispot", Path(b, "ecs.log.syslog.appname"));
        Assert.Equal("4222", Path(b, "ecs.log.syslog.procid"));
        Assert.Null(Path(b, "ecs.log.syslog.version"));
        using var c = Json(RunExtract(Fp, Transport.Udp, Encoding.ASCII.GetBytes("<13>Feb 5 17:32:18 su: pam ok"), [])!);
    }

    [Theory]
    [InlineData("<192>Jan  2 10:09:52 host tag: x")]
    [InlineData("<013>Jan  2 10:09:52 host tag: x")]
    [InlineData("<1234>Jan  2 10:09:52 host")]
    [InlineData("<>Jan  2 10:09:52 host tag")]
    [InlineData("<html><body>hello world</body></html>")]
    [InlineData("<?xml version=\"1.0\"?><a/>")]
    [InlineData("<13>\u0001\u0002\u0003\u0004 binary stuff")]
    [InlineData("<13>ok")]
    public void InvalidShapesDoNotMatch(string text)
    {
        Assert.NotEqual(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, Encoding.ASCII.GetBytes(text)).Status);
        Assert.NotEqual(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, Encoding.ASCII.GetBytes(text)).Status);
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Tcp, Rfc5424, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, Rfc3164, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, Cisco, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Udp, Rfc3164, asClient: true, datagram: true);
        AssertSplits(Fp, Transport.Tcp, Rfc5424, []);
        AssertSplits(Fp, Transport.Tcp, Rfc3164, []);
        AssertSplits(Fp, Transport.Udp, Cisco, []);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        var weird = Encoding.Latin1.GetBytes("<13>1 2024-01-01T00:00:00Z h\u00ff\u00fe\"\\ app\u00c3 - - -");
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, weird).Status);
        _ = RunExtract(Fp, Transport.Udp, weird, []);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, Encoding.ASCII.GetBytes("123456 <13>x")).Status);
        AssertSurvivesMutations(Fp, Transport.Udp, Rfc3164);
        AssertSurvivesMutations(Fp, Transport.Tcp, Rfc5424);
    }
}
