using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Ftp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.FingerprintKit;

namespace Sniffer.Tests.Fingerprinting;

public class FtpTests
{
    private static readonly FtpFingerprinter Fp = FtpFingerprinter.Instance;

    [Fact]
    public void RealSessionsMatch()
    {
        foreach (var s in new[] { TextSamples.Ftp, TextSamples.FtpAuthTls })
        {
            Assert.Equal(Confidence.High, AssertMatch(Fp, s.Client, s.Server, Confidence.High).Confidence);
            AssertPrefixesConsistent(Fp, s.Client, s.Server);
        }

        Assert.Equal(Confidence.Medium, AssertMatch(Fp, [], TextSamples.Ftp.Server, Confidence.Medium).Confidence);
        // Bare greeting: waits for the client, Low when it never speaks.
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, [], TextSamples.FtpAuthTls.Server, false).Status);
        Assert.Equal(Confidence.Low, AssertMatch(Fp, [], TextSamples.FtpAuthTls.Server, Confidence.Low).Confidence);
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<FtpMetadata>(Fp, TextSamples.Ftp.Client, TextSamples.Ftp.Server);
        Assert.Equal(("anonymous", "220 (vsFTPd 3.0.3)"), (m.User, m.Banner));
        Assert.Equal(("vsFTPd", "3.0.3"), (m.ApplicationName, m.ApplicationVersion));
        var t = Extract<FtpMetadata>(Fp, TextSamples.FtpAuthTls.Client, TextSamples.FtpAuthTls.Server);
        Assert.True(t.StartTls);
        using var doc = AssertValidJson(t);
        Assert.True(doc.RootElement.GetProperty("sniffer").GetProperty("ftp").GetProperty("starttls").GetBoolean());

        foreach (var (banner, name, version) in new[]
        {
            ("220 ProFTPD 1.3.8 Server (Debian) [::ffff:127.0.0.1]\r\n", "ProFTPD", "1.3.8"),
            ("220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220 You are user number 1 of 50 allowed.\r\n", "Pure-FTPd", null),
            ("220-FileZilla Server 0.9.60 beta\r\n220 hello\r\n", "FileZilla Server", "0.9.60"),
            ("220 Microsoft FTP Service\r\n", "Microsoft FTP Service", null),
        })
        {
            var p = Extract<FtpMetadata>(Fp, [], Text(banner));
            Assert.Equal((name, version), (p.ApplicationName, p.ApplicationVersion));
            Assert.Equal(Confidence.Medium, AssertMatch(Fp, [], Text(banner), Confidence.Medium).Confidence);
        }
    }

    [Fact]
    public void SmtpAndPop3Refused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], TextSamples.Smtp.Server, false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, TextSamples.Smtp.Client, [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], TextSamples.Pop3.Server, false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("USER xxxxx +iw xxxxx :Xxxxxx Xxxx\r\n"), [], false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Ftp.Client, .. TextSamples.Ftp.Server]);
}
