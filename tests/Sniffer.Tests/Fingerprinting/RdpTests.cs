using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Rdp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class RdpTests
{
    private static readonly RdpFingerprinter Fp = RdpFingerprinter.Instance;

    [Fact]
    public void RequestAndConfirm()
    {
        var r = Probe(Fp, Transport.Tcp, RdpRequest, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("rdp.connection_request", r.Evidence);
        Assert.Equal(Confidence.Medium, Probe(Fp, Transport.Tcp, [], RdpConfirm).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, RdpRequest, RdpConfirm);
        Assert.Equal("[\"rdp\",\"ssl\",\"hybrid\",\"hybrid_ex\"]", Path(doc, "sniffer.rdp.requested_protocols"));
        Assert.Equal("hybrid_ex", Path(doc, "sniffer.rdp.selected_protocol"));
        Assert.Equal("Microsoft Terminal Services", Path(doc, "app.name"));
    }

    [Fact]
    public void Cookie_GivesUser()
    {
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, RdpCookieRequest, []).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, RdpCookieRequest, []);
        Assert.Equal("administ", Path(doc, "ecs.user.name"));
        Assert.Null(Path(doc, "app.name"));
    }

    [Fact]
    public void IsoTsapRequest_IsRefused()
    {
        // S7comm COTP CR: TSAP parameters 0xC1/0xC2/0xC0 after the class byte.
        byte[] s7 = Hex("0300001611e00000000100c0010ac1020100c2020102");
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, s7, []).Status);
        // A bare class-0 request is only a weak shape.
        Assert.Equal(Confidence.Low, Probe(Fp, Transport.Tcp, Hex("0300000b06e00000000000"), []).Confidence);
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, RdpRequest, RdpConfirm);
        AssertStandard(Fp, Transport.Tcp, RdpCookieRequest, RdpConfirm);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("0300ffff0ee00000000000010008000b000000"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("0300001a15e00000000000436f6f6b69653a20ff00"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, RdpCookieRequest, RdpConfirm);
    }
}
