using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Imap;
using Sniffer.Fingerprinting.Pop3;
using Sniffer.Fingerprinting.Smtp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.FingerprintKit;

namespace Sniffer.Tests.Fingerprinting;

public class SmtpTests
{
    private static readonly SmtpFingerprinter Fp = SmtpFingerprinter.Instance;

    [Fact]
    public void RealSendmailSessionMatchesHigh()
    {
        var r = AssertMatch(Fp, TextSamples.Smtp.Client, TextSamples.Smtp.Server, Confidence.High);
        Assert.Equal("smtp.greeting_and_helo", r.Evidence);
        AssertPrefixesConsistent(Fp, TextSamples.Smtp.Client, TextSamples.Smtp.Server);
    }

    [Fact]
    public void MetadataFromRealSession()
    {
        var m = Extract<SmtpMetadata>(Fp, TextSamples.Smtp.Client, TextSamples.Smtp.Server);
        Assert.Equal("220 pigeon.eyrie.af.mil ESMTP Sendmail 8.8.7/8.8.7; Sat, 7 Aug 1999 08:20:11 -0400", m.Banner);
        Assert.Equal("delta.peach.mil", m.Helo);
        Assert.Equal("coreys@delta.peach.mil", m.MailFrom);
        Assert.Equal(["camronm@pigeon.eyrie.af.mil", "melvynr@pigeon.eyrie.af.mil"], m.RcptTo);
        Assert.Equal("Sendmail", m.ApplicationName);
        Assert.Equal("8.8.7", m.ApplicationVersion);
        using var doc = AssertValidJson(m);
        Assert.Equal("coreys@delta.peach.mil", doc.RootElement.GetProperty("email").GetProperty("from").GetProperty("address")[0].GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("email").GetProperty("to").GetProperty("address").GetArrayLength());
    }

    [Fact]
    public void EximMultiLineGreetingAloneIsMediumWithVersion()
    {
        var s = TextSamples.SmtpEximServerOnly;
        var r = AssertMatch(Fp, s.Client, s.Server, Confidence.Medium);
        Assert.Equal("smtp.greeting", r.Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        var m = Extract<SmtpMetadata>(Fp, s.Client, s.Server);
        Assert.Equal(("Exim", "4.93"), (m.ApplicationName, m.ApplicationVersion));
    }

    [Fact]
    public void TlsClientWithSmtpGreetingIsNotPlainSmtp() =>
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0, 1, 0xfc, 3, 3], TextSamples.SmtpEximServerOnly.Server, true).Status);

    [Fact]
    public void StartTlsAndPostfixAndMicrosoft()
    {
        var m = Extract<SmtpMetadata>(Fp, Text("EHLO client.example\r\nSTARTTLS\r\n"), Text("220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n250-mx\r\n"));
        Assert.True(m.StartTls);
        Assert.Equal("Postfix", m.ApplicationName);
        Assert.Null(m.ApplicationVersion);
        using var doc = AssertValidJson(m);
        Assert.True(doc.RootElement.GetProperty("sniffer").GetProperty("smtp").GetProperty("starttls").GetBoolean());

        var ms = Extract<SmtpMetadata>(Fp, [], Text("220 EX01.contoso.local Microsoft ESMTP MAIL Service, Version: 10.0.17763.1 ready at  Mon\r\n"));
        Assert.Equal(("Microsoft ESMTP MAIL Service", "10.0.17763.1"), (ms.ApplicationName, ms.ApplicationVersion));
    }

    [Fact]
    public void BareGreetingWaitsForClient()
    {
        var bare = Text("220 host.example ready\r\n");
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, [], bare, complete: false).Status);
        Assert.Equal(Confidence.Low, AssertMatch(Fp, [], bare, Confidence.Low).Confidence);
        Assert.Equal(Confidence.High, AssertMatch(Fp, Text("EHLO x\r\n"), bare, Confidence.High).Confidence);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("USER anonymous\r\n"), bare, complete: false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("220 ProFTPD 1.3.8 Server ready.\r\n"), complete: false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive()
    {
        AssertSurvivesHostile(Fp, [.. TextSamples.Smtp.Client, .. TextSamples.Smtp.Server]);
        var m = Extract<SmtpMetadata>(Fp, Text("EHLO \u0001\u2028\"\\x\r\nMAIL FROM:<\r\nRCPT TO:\r\n"), [0x32, 0x32, 0x30, 0x20, 0xC3, 0x28, 0xFF, 0x0D, 0x0A]);
        Assert.Equal("", m.MailFrom);
    }
}

public class Pop3Tests
{
    private static readonly Pop3Fingerprinter Fp = Pop3Fingerprinter.Instance;

    [Fact]
    public void RealSessionsMatch()
    {
        foreach (var s in new[] { TextSamples.Pop3, TextSamples.Pop3Capa })
        {
            Assert.Equal(Confidence.High, AssertMatch(Fp, s.Client, s.Server, Confidence.High).Confidence);
            AssertPrefixesConsistent(Fp, s.Client, s.Server);
        }

        Assert.Equal(Confidence.Medium, AssertMatch(Fp, [], TextSamples.Pop3.Server, Confidence.Medium).Confidence);
        Assert.Equal(Confidence.Medium, AssertMatch(Fp, TextSamples.Pop3Capa.Client, [], Confidence.Medium).Confidence);
        // "USER x" alone is FTP or POP3: Low, and only once the server side is known to be silent.
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Text("USER bob\r\n"), [], false).Status);
        Assert.Equal(Confidence.Low, AssertMatch(Fp, Text("USER bob\r\n"), [], Confidence.Low).Confidence);
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<Pop3Metadata>(Fp, TextSamples.Pop3.Client, TextSamples.Pop3.Server);
        Assert.Equal("cicciopernacchio@mail.com", m.User);
        Assert.Equal("+OK POP server ready H migmxus005", m.Banner);
        var d = Extract<Pop3Metadata>(Fp, Text("CAPA\r\nSTLS\r\n"), Text("+OK Dovecot (Debian) ready.\r\n"));
        Assert.True(d.StartTls);
        Assert.Equal("Dovecot", d.ApplicationName);
    }

    [Fact]
    public void OthersRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("USER xxxxx +iw xxxxx :Xxxxxx Xxxx\r\n"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("AUTH TLS\r\n"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("+OKAY\r\n"), false).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Text("*1\r\n$4\r\nPING\r\n"), Text("+OK\r\n"), true).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Pop3.Client, .. TextSamples.Pop3.Server]);
}

public class ImapTests
{
    private static readonly ImapFingerprinter Fp = ImapFingerprinter.Instance;

    [Fact]
    public void RealSessionMatches()
    {
        var s = TextSamples.Imap;
        Assert.Equal("imap.greeting_and_command", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        Assert.Equal(Confidence.Medium, AssertMatch(Fp, s.Client, [], Confidence.Medium).Confidence);
        Assert.Equal(Confidence.Medium, AssertMatch(Fp, [], s.Server, Confidence.Medium).Confidence);
        AssertPrefixesConsistent(Fp, Text("a001 STARTTLS\r\n"), Text("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n"));
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<ImapMetadata>(Fp, TextSamples.Imap.Client, TextSamples.Imap.Server);
        Assert.Equal("samir", m.User);
        Assert.Equal("* OK IMAP4Rev1 Server Version 4.9.04.012", m.Banner);
        var d = Extract<ImapMetadata>(Fp, Text("a001 STARTTLS\r\n"), Text("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n"));
        Assert.True(d.StartTls);
        Assert.Equal("Dovecot", d.ApplicationName);
        var c = Extract<ImapMetadata>(Fp, Text("A1 LOGIN \"bob\" \"pw\"\r\n"), Text("* OK mail.example.com Cyrus IMAP v2.4.17-Debian server ready\r\n"));
        Assert.Equal(("Cyrus IMAP", "2.4.17-Debian", "bob"), (c.ApplicationName, c.ApplicationVersion, c.User));
    }

    [Fact]
    public void OthersRefused()
    {
        foreach (var s in new[] { "EHLO x\r\n", "USER bob\r\n", "GET / HTTP/1.1\r\n", "NICK bob\r\n", "a001 FOO\r\n", "* 1 EXISTS\r\n" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], false).Status);
        }
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Imap.Client, .. TextSamples.Imap.Server]);
}
