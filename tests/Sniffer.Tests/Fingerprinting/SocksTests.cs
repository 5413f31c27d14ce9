using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Socks;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class SocksTests
{
    private static readonly SocksFingerprinter Fp = SocksFingerprinter.Instance;

    [Fact]
    public void Socks4_WithReply_IsHigh()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Transport.Tcp, Socks4Request, [], false, false).Status);
        var r = Probe(Fp, Transport.Tcp, Socks4Request, Socks4Reply);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("socks4.request", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, Socks4Request, Socks4Reply);
        Assert.Equal("4", Path(doc, "sniffer.socks.version"));
        Assert.Equal("93.184.216.119:80", Path(doc, "sniffer.socks.target"));
        Assert.Equal("connect", Path(doc, "sniffer.socks.command"));
        Assert.Equal("90", Path(doc, "sniffer.socks.reply"));
    }

    [Fact]
    public void Socks4a_Hostname()
    {
        using var doc = ExtractJson(Fp, Transport.Tcp, Socks4aRequest, Socks4Reply);
        Assert.Equal("4a", Path(doc, "sniffer.socks.version"));
        Assert.Equal("www.example.com:80", Path(doc, "sniffer.socks.target"));
    }

    [Fact]
    public void Socks5()
    {
        var greetingOnly = Probe(Fp, Transport.Tcp, Socks5GreetingAndRequest[..3], [], true, true);
        Assert.Equal(Confidence.Low, greetingOnly.Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, Socks5GreetingAndRequest[..3], Socks5MethodNone).Confidence);
        Assert.Equal(Confidence.Medium, Probe(Fp, Transport.Tcp, Socks5GreetingAndRequest, [], true, true).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, Socks5GreetingAndRequest, Socks5MethodNone);
        Assert.Equal("5", Path(doc, "sniffer.socks.version"));
        Assert.Equal("www.google.com:80", Path(doc, "sniffer.socks.target"));
        Assert.Equal("none", Path(doc, "sniffer.socks.auth_method"));
    }

    // curl 7.88.1 --socks5-hostname through OpenSSH 9.2p1's `ssh -D` (dynamic forwarding), captured live: greeting
    // (none, GSSAPI) + CONNECT localhost:3625; method selection, then the reply "succeeded" (BND 0.0.0.0:0).
    private static readonly byte[] CurlGreetingAndRequest = Hex("05020001" + "05010003096c6f63616c686f73740e29");
    private static readonly byte[] OpenSshSelectionAndReply = Hex("0500" + "05000001000000000000");

    [Fact]
    public void Socks5_ReplyIsRead()
    {
        var meta = Assert.IsType<SocksMetadata>(RunExtract(Fp, Transport.Tcp, CurlGreetingAndRequest, OpenSshSelectionAndReply));
        Assert.Equal(0, meta.Reply);
        using var doc = ExtractJson(Fp, Transport.Tcp, CurlGreetingAndRequest, OpenSshSelectionAndReply);
        Assert.Equal("localhost:3625", Path(doc, "sniffer.socks.target"));
        Assert.Equal("none", Path(doc, "sniffer.socks.auth_method"));
        Assert.Equal("0", Path(doc, "sniffer.socks.reply"));

        // Until the reply arrives, extraction is not finished; then it is, with the same metadata object.
        ProtocolMetadata? m = null;
        Assert.False(Fp.Extract(new InspectionContext(Transport.Tcp, CurlGreetingAndRequest, OpenSshSelectionAndReply[..2], true, false), ref m));
        Assert.False(Fp.Extract(new InspectionContext(Transport.Tcp, CurlGreetingAndRequest, OpenSshSelectionAndReply[..3], true, false), ref m));
        Assert.True(Fp.Extract(new InspectionContext(Transport.Tcp, CurlGreetingAndRequest, OpenSshSelectionAndReply, true, false), ref m));
        Assert.Equal(0, ((SocksMetadata)m!).Reply);

        // After a username/password sub-negotiation the reply follows the RFC 1929 status; a refused connection.
        var refused = Assert.IsType<SocksMetadata>(RunExtract(Fp, Transport.Tcp, Socks5UserPass, Hex("0502" + "0100" + "05050001000000000000")));
        Assert.Equal(5, refused.Reply);
        Assert.Equal("username_password", refused.AuthMethod);

        // No reply can follow in clear: a failed sub-negotiation or GSSAPI. Extraction ends without one.
        ProtocolMetadata? failed = null;
        Assert.True(Fp.Extract(new InspectionContext(Transport.Tcp, Socks5UserPass, Hex("05020101"), true, false), ref failed));
        Assert.Null(((SocksMetadata)failed!).Reply);
        ProtocolMetadata? gssapi = null;
        Assert.True(Fp.Extract(new InspectionContext(Transport.Tcp, CurlGreetingAndRequest, Hex("0501"), true, false), ref gssapi));
        Assert.Equal("gssapi", ((SocksMetadata)gssapi!).AuthMethod);
        AssertStandard(Fp, Transport.Tcp, CurlGreetingAndRequest, OpenSshSelectionAndReply);
    }

    [Fact]
    public void Socks5_UserPassword()
    {
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, Socks5UserPass, [5, 2, 1, 0]).Status);
        using var doc = ExtractJson(Fp, Transport.Tcp, Socks5UserPass, [5, 2, 1, 0]);
        Assert.Equal("johnn", Path(doc, "ecs.user.name"));
        Assert.Equal("93.184.216.119:80", Path(doc, "sniffer.socks.target"));
        Assert.Equal("username_password", Path(doc, "sniffer.socks.auth_method"));
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, Socks4Request, Socks4Reply);
        AssertStandard(Fp, Transport.Tcp, Socks5GreetingAndRequest, Socks5MethodNone);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("0501ff"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("050100050100030e77770a772e676f6f676c652e636f6d0050"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("0401005000000000"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Socks4Request, Socks5MethodNone).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, Socks5UserPass, [5, 2, 1, 0]);
        AssertSurvivesMutations(Fp, Transport.Tcp, Socks4aRequest, Socks4Reply);
    }
}
