using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.WireGuard;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class WireGuardTests
{
    private static readonly WireGuardFingerprinter Fp = WireGuardFingerprinter.Instance;

    [Fact]
    public void Handshake()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Transport.Udp, WgInitiation, [], true, false).Status);
        Assert.Equal(Confidence.Medium, Probe(Fp, Transport.Udp, WgInitiation, [], true, true).Confidence);
        var r = Probe(Fp, Transport.Udp, WgInitiation, WgResponse);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("wireguard.handshake_initiation", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Udp, WgInitiation, WgResponse);
        Assert.Equal("handshake_initiation", Path(doc, "sniffer.wireguard.message_type"));
        Assert.Equal(8, Path(doc, "sniffer.wireguard.sender_index")!.Length);
    }

    [Fact]
    public void ResponseForAnotherInitiation_IsRefused()
    {
        byte[] other = (byte[])WgResponse.Clone();
        other[8] ^= 0xFF;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, WgInitiation, other).Status);
    }

    [Fact]
    public void MidFlowTransport()
    {
        Assert.Equal(Confidence.Low, Probe(Fp, Transport.Udp, WgTransportClient, [], true, true).Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, WgTransportClient, WgTransportServer).Confidence);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, WgInitiation, WgResponse).Status);
    }

    [Fact]
    public void Standard() => AssertStandard(Fp, Transport.Udp, WgInitiation, WgResponse);

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] reserved = (byte[])WgInitiation.Clone();
        reserved[2] = 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, reserved, []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, WgInitiation[..147], []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, WgTransportClient[..90], []).Status);
        AssertSurvivesMutations(Fp, Transport.Udp, WgInitiation, WgResponse);
    }
}
