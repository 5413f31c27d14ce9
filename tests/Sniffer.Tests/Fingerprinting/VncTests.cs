using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Vnc;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class VncTests
{
    private static readonly VncFingerprinter Fp = VncFingerprinter.Instance;

    [Fact]
    public void BothVersions_AreHigh()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Transport.Tcp, [], VncServer, false, false).Status);
        var r = Probe(Fp, Transport.Tcp, VncClient, VncServer);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("vnc.protocol_version", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, VncClient, VncServer);
        Assert.Equal("4.1", Path(doc, "sniffer.vnc.version"));
        Assert.Equal("4.1", Path(doc, "sniffer.vnc.client_version"));
        Assert.Equal("[13,133,5,129,6,130,2]", Path(doc, "sniffer.vnc.security_types"));
        Assert.Equal("RealVNC", Path(doc, "app.name"));
    }

    [Fact]
    public void ServerAlone_IsMedium()
    {
        var r = Probe(Fp, Transport.Tcp, [], "RFB 003.008\n"u8.ToArray(), true, true);
        Assert.Equal(Confidence.Medium, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, [], "RFB 003.008\n"u8.ToArray());
        Assert.Equal("3.8", Path(doc, "sniffer.vnc.version"));
        Assert.Null(Path(doc, "app.name"));
    }

    [Fact]
    public void Standard() => AssertStandard(Fp, Transport.Tcp, VncClient, VncServer);

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, [], "RFB 00a.008\n"u8.ToArray()).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, [], "RFB 003.008\r"u8.ToArray()).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, "RFB 003.008\n"u8.ToArray(), "RFB 003.00"u8.ToArray()).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, VncClient, VncServer);
    }
}
