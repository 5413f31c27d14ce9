using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Smb;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class SmbTests
{
    private static readonly SmbFingerprinter Fp = SmbFingerprinter.Instance;

    [Fact]
    public void Smb1Negotiate()
    {
        var r = Probe(Fp, Transport.Tcp, Smb1NegotiateRequest, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("smb1.negotiate", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, Smb1NegotiateRequest, Smb1NegotiateResponse);
        Assert.Equal("1", Path(doc, "sniffer.smb.version"));
        Assert.Equal("negotiate", Path(doc, "sniffer.smb.command"));
        Assert.Equal("NT LM 0.12", Path(doc, "sniffer.smb.dialect"));
        Assert.Contains("PC NETWORK PROGRAM 1.0", Path(doc, "sniffer.smb.client_dialects"), StringComparison.Ordinal);
    }

    [Fact]
    public void Smb2Negotiate_311()
    {
        var r = Probe(Fp, Transport.Tcp, Smb2NegotiateRequest, Smb2NegotiateResponse);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("smb2.negotiate", r.Evidence);
        Assert.Equal("smb2.negotiate", Probe(Fp, Transport.Tcp, [], Smb2NegotiateResponse).Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, Smb2NegotiateRequest, Smb2NegotiateResponse);
        Assert.Equal("3", Path(doc, "sniffer.smb.version"));
        Assert.Equal("3.1.1", Path(doc, "sniffer.smb.dialect"));
        Assert.Equal("[\"2.0.2\",\"2.1\",\"3.0\",\"3.0.2\",\"3.1.1\"]", Path(doc, "sniffer.smb.client_dialects"));
    }

    [Fact]
    public void Smb2MidStream_IsMedium()
    {
        var r = Probe(Fp, Transport.Tcp, Smb2Create, [], false, true);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.Medium, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, Smb2Create, []);
        Assert.Equal("create", Path(doc, "sniffer.smb.command"));
        Assert.Equal("2", Path(doc, "sniffer.smb.version"));
        // A request where a response belongs is refused.
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, [], Smb2Create).Status);
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, Smb1NegotiateRequest, Smb1NegotiateResponse);
        AssertStandard(Fp, Transport.Tcp, Smb2NegotiateRequest, Smb2NegotiateResponse);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] badStructure = (byte[])Smb2NegotiateRequest.Clone();
        badStructure[8] = 0x41;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, badStructure, []).Status);
        byte[] hugeCount = (byte[])Smb2NegotiateRequest.Clone();
        hugeCount[70] = 0xff;
        hugeCount[71] = 0xff;
        Assert.NotNull(RunExtract(Fp, Transport.Tcp, hugeCount, []));
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00000010fe534d42"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, Smb2NegotiateRequest, Smb2NegotiateResponse);
        AssertSurvivesMutations(Fp, Transport.Tcp, Smb1NegotiateRequest, Smb1NegotiateResponse);
    }
}
