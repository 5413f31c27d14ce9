using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Dnp3;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class Dnp3Tests
{
    private static readonly Dnp3Fingerprinter Fp = Dnp3Fingerprinter.Instance;

    [Fact]
    public void Crc_MatchesTheCatalogueCheckValue()
    {
        // CRC-16/DNP check value (reveng catalogue): "123456789" → 0xEA82.
        Assert.Equal(0xEA82, Dnp3Fingerprinter.Crc("123456789"u8));
        Assert.Equal(0xEA82, ReferenceCrc("123456789"u8));
    }

    [Fact]
    public void ValidHeader_IsHigh()
    {
        var r = Probe(Fp, Transport.Tcp, Dnp3Read, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("dnp3.link_header", r.Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, [], Dnp3Response).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, Dnp3Read, Dnp3Response);
        Assert.Equal("1", Path(doc, "sniffer.dnp3.source"));
        Assert.Equal("1024", Path(doc, "sniffer.dnp3.destination"));
        Assert.Equal("true", Path(doc, "sniffer.dnp3.from_master"));
        Assert.Equal("4", Path(doc, "sniffer.dnp3.link_function"));
        Assert.Equal("1", Path(doc, "sniffer.dnp3.application_function"));
    }

    [Fact]
    public void BadCrc_IsRefused()
    {
        byte[] bad = (byte[])Dnp3Read.Clone();
        bad[8] ^= 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, bad, []).Status);
        byte[] address = (byte[])Dnp3Read.Clone();
        address[4] ^= 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, address, []).Status);
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, Dnp3Read, Dnp3Response);
        AssertStandard(Fp, Transport.Udp, Dnp3Read, Dnp3Response);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile() => AssertSurvivesMutations(Fp, Transport.Tcp, Dnp3Read, Dnp3Response);
}
