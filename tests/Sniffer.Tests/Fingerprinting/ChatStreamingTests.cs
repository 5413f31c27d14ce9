using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Irc;
using Sniffer.Fingerprinting.Rtsp;
using Sniffer.Fingerprinting.Sip;
using Sniffer.Fingerprinting.Xmpp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.FingerprintKit;

namespace Sniffer.Tests.Fingerprinting;

public class IrcTests
{
    private static readonly IrcFingerprinter Fp = IrcFingerprinter.Instance;

    [Fact]
    public void RealSessionMatches()
    {
        var s = TextSamples.Irc;
        Assert.Equal("irc.registration_and_reply", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        AssertMatch(Fp, s.Client, [], Confidence.Medium);
        AssertMatch(Fp, [], s.Server, Confidence.Medium);
        AssertPrefixesConsistent(Fp, Text("NICK bob\r\nUSER bob 0 * :Bob\r\n"), Text("NOTICE AUTH :*** Looking up your hostname\r\n"));
        AssertPrefixesConsistent(Fp, Text("CAP LS 302\r\nNICK bob\r\n"), Text(":irc.example.net CAP * LS :multi-prefix sasl\r\n"));
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<IrcMetadata>(Fp, TextSamples.Irc.Client, TextSamples.Irc.Server);
        Assert.Equal(("molochtest", "xxxxx", "card.freenode.net"), (m.Nick, m.User, m.Server));
        var v = Extract<IrcMetadata>(Fp, Text("NICK a\r\n"), Text(":irc.example.net 002 a :Your host is irc.example.net, running version UnrealIRCd-6.1.0\r\n"));
        Assert.Equal(("UnrealIRCd", "6.1.0"), (v.ApplicationName, v.ApplicationVersion));
        var f = Extract<IrcMetadata>(Fp, TextSamples.Irc.Client, Text(":card.freenode.net 002 molochtest :Your host is card.freenode.net[38.229.70.20/8000], running version ircd-seven-1.1.3\r\n"));
        Assert.Equal(("ircd-seven", "1.1.3"), (f.ApplicationName, f.ApplicationVersion));
    }

    [Fact]
    public void OthersRefused()
    {
        foreach (var s in new[] { "USER anonymous\r\n", "PASS x\r\nPWD\r\n", "EHLO x\r\n", "NICK 9bad\r\n" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], false).Status);
        }

        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text(":x\r\n"), false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text(":a b c\r\n"), false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Irc.Client, .. TextSamples.Irc.Server]);
}

public class XmppTests
{
    private static readonly XmppFingerprinter Fp = XmppFingerprinter.Instance;

    [Fact]
    public void RealSessionMatches()
    {
        var s = TextSamples.Xmpp;
        Assert.Equal("xmpp.streams", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        AssertMatch(Fp, s.Client, [], Confidence.Medium);
        AssertMatch(Fp, [], s.Server, Confidence.Medium);
    }

    [Fact]
    public void MidStreamStanzasMatch()
    {
        // jabber.pcap streams picked up after the stream header.
        var c = Text("<iq type='set' id='purpledde80fda' to='cs-xmpp.lan'><command xmlns='http://jabber.org/protocol/commands' node='ping' action='execute'/></iq>");
        var s = Text("<iq xml:lang='en' to='tom@cs-xmpp.lan/darkstar' from='cs-xmpp.lan' type='result' id='purpledde80fda'><command status='completed'/></iq>");
        Assert.Equal(Confidence.High, AssertMatch(Fp, c, s, Confidence.High).Confidence);
        AssertPrefixesConsistent(Fp, c, s);
        var p = Text("<presence to='a@b/c'><show>away</show></presence>");
        Assert.Equal(Confidence.Medium, AssertMatch(Fp, p, p, Confidence.Medium).Confidence);
        Assert.Equal(Confidence.Low, AssertMatch(Fp, p, [], Confidence.Low).Confidence);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("<presenceX>"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("<html><body>"), [], false).Status);
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<XmppMetadata>(Fp, TextSamples.Xmpp.Client, TextSamples.Xmpp.Server);
        Assert.Equal(("cs-xmpp.lan", "cs-xmpp.lan", "jabber:client"), (m.To, m.From, m.Namespace));
        using var doc = AssertValidJson(m);
        Assert.Equal("cs-xmpp.lan", doc.RootElement.GetProperty("sniffer").GetProperty("xmpp").GetProperty("to").GetString());
        var t = Extract<XmppMetadata>(Fp, Text("<stream:stream to=\"example.com\" xmlns=\"jabber:server\" xmlns:stream=\"http://etherx.jabber.org/streams\" version=\"1.0\"><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), []);
        Assert.True(t.StartTls);
        Assert.Equal("jabber:server", t.Namespace);
    }

    [Fact]
    public void OthersRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("<?xml version='1.0'?><soap:Envelope xmlns:soap='x'>"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("<stream:stream to='x' xmlns='urn:other'>"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("<stream:streamx to='x' xmlns='jabber:client'>"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("<?xml version='1.0'?>"), [], true).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Xmpp.Client, .. TextSamples.Xmpp.Server]);
}

public class RtspTests
{
    private static readonly RtspFingerprinter Fp = RtspFingerprinter.Instance;

    [Fact]
    public void RealSessionMatches()
    {
        var s = TextSamples.Rtsp;
        Assert.Equal("rtsp.request_and_response", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        AssertMatch(Fp, s.Client, [], Confidence.Medium);
        AssertMatch(Fp, [], s.Server, Confidence.Medium);
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<RtspMetadata>(Fp, TextSamples.Rtsp.Client, TextSamples.Rtsp.Server);
        Assert.Equal(("OPTIONS", "rtsp://10.2.2.2:8554/", 200), (m.Method, m.Uri, m.StatusCode));
        Assert.Equal("LibVLC/3.0.16 (LIVE555 Streaming Media v2016.11.28)", m.UserAgent);
        Assert.Equal(("VLC", "3.0.12"), (m.ApplicationName, m.ApplicationVersion));
        using var doc = AssertValidJson(m);
        Assert.Equal("rtsp://10.2.2.2:8554/", doc.RootElement.GetProperty("url").GetProperty("original").GetString());
    }

    [Fact]
    public void HttpAndSipLinesRefused()
    {
        foreach (var s in new[] { "OPTIONS rtsp://x/ HTTP/1.1\r\n", "OPTIONS sip:x SIP/2.0\r\n", "GET / HTTP/1.1\r\n", "OPTIONS * HTTP/1.1\r\n", "OPTIONS rtsp://x/ RTSP/1.1\r\n" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], false).Status);
        }

        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("HTTP/1.1 200 OK\r\n"), false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("SIP/2.0 200 OK\r\n"), false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("RTSP/1.0 2x0 OK\r\n"), false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Rtsp.Client, .. TextSamples.Rtsp.Server]);
}

public class SipTests
{
    private static readonly SipFingerprinter Fp = SipFingerprinter.Instance;

    [Fact]
    public void RealUdpExchangeMatches()
    {
        var s = TextSamples.Sip;
        Assert.Equal("sip.request_and_response", AssertMatch(Fp, s.Client, s.Server, Confidence.High, Transport.Udp).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server, Transport.Udp);
        AssertMatch(Fp, s.Client, [], Confidence.Medium, Transport.Udp);
        AssertMatch(Fp, [], s.Server, Confidence.Medium, Transport.Udp);
        // Over TCP, and each method.
        AssertMatch(Fp, s.Client, s.Server, Confidence.High, Transport.Tcp);
        foreach (var method in new[] { "INVITE", "REGISTER", "OPTIONS", "BYE", "ACK", "CANCEL", "SUBSCRIBE", "NOTIFY", "MESSAGE", "INFO", "PRACK", "UPDATE", "REFER", "PUBLISH" })
        {
            AssertPrefixesConsistent(Fp, Text($"{method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n"), [], Transport.Udp);
        }
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<SipMetadata>(Fp, TextSamples.Sip.Client, TextSamples.Sip.Server, Transport.Udp);
        Assert.Equal(("REGISTER", "sip:sip.cybercity.dk", 401), (m.Method, m.Uri, m.StatusCode));
        Assert.Equal("<sip:voi18063@sip.cybercity.dk>;tag=903df0a", m.From);
        Assert.Equal("<sip:voi18063@sip.cybercity.dk>", m.To);
        Assert.Equal("578222729-4665d775@578222732-4665d772", m.CallId);
        Assert.Equal("Nero SIPPS IP Phone Version 2.0.51.16", m.UserAgent);
        Assert.Equal(("Nero SIPPS IP Phone", "2.0.51.16"), (m.ApplicationName, m.ApplicationVersion));
        var c = Extract<SipMetadata>(Fp, Text("INVITE sip:b@x SIP/2.0\r\nf: <sip:a@x>\r\nt: <sip:b@x>\r\ni: abc\r\n\r\n"), Text("SIP/2.0 200 OK\r\nServer: Asterisk PBX 18.10.0\r\n\r\n"), Transport.Udp);
        Assert.Equal(("<sip:a@x>", "<sip:b@x>", "abc", "Asterisk PBX", "18.10.0"), (c.From, c.To, c.CallId, c.ApplicationName, c.ApplicationVersion));
        var ser = Extract<SipMetadata>(Fp, [], Text("SIP/2.0 200 OK\r\nServer: Sip EXpress router (0.9.6 (i386/linux))\r\n\r\n"), Transport.Udp);
        Assert.Equal(("Sip EXpress router", "0.9.6"), (ser.ApplicationName, ser.ApplicationVersion));
    }

    [Fact]
    public void HttpAndRtspRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, TextSamples.HttpOnSipPort.Client, TextSamples.HttpOnSipPort.Server, false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, TextSamples.Rtsp.Client, [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("OPTIONS sip:x HTTP/1.1\r\n"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("OPTIONS http://x SIP/2.0\r\n"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("\r\n\r\n"), [], false, Transport.Udp).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch()
    {
        AssertNeverMatchesForeign(Fp);
        AssertNeverMatchesForeign(Fp, Transport.Udp);
    }

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Sip.Client, .. TextSamples.Sip.Server], Transport.Udp);
}
