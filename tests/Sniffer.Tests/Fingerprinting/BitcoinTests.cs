using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Bitcoin;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class BitcoinTests
{
    private static readonly BitcoinFingerprinter Fp = BitcoinFingerprinter.Instance;

    [Fact]
    public void Version_ChecksumVerified_IsHigh()
    {
        var r = Probe(Fp, Transport.Tcp, BtcVersionCore, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("bitcoin.version", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, BtcVersionCore, [.. BtcVersionBtcd, .. BtcVerack]);
        Assert.Equal("mainnet", Path(doc, "sniffer.bitcoin.network"));
        Assert.Equal("70016", Path(doc, "sniffer.bitcoin.protocol_version"));
        Assert.Equal("/Satoshi:25.0.0/", Path(doc, "sniffer.bitcoin.user_agent"));
        Assert.Equal("818000", Path(doc, "sniffer.bitcoin.start_height"));
        Assert.Equal("Bitcoin Core", Path(doc, "app.name"));
        Assert.Equal("25.0.0", Path(doc, "app.version"));
    }

    [Fact]
    public void Btcd_Testnet_FromServer()
    {
        using var doc = ExtractJson(Fp, Transport.Tcp, [], BtcVersionBtcd);
        Assert.Equal("testnet3", Path(doc, "sniffer.bitcoin.network"));
        Assert.Equal("btcd", Path(doc, "app.name"));
        Assert.Equal("0.24.0", Path(doc, "app.version"));
    }

    [Fact]
    public void BadChecksum_IsRefused()
    {
        byte[] bad = (byte[])BtcVersionCore.Clone();
        bad[^1] ^= 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, bad, []).Status);
        byte[] command = (byte[])BtcVersionCore.Clone();
        command[5] = (byte)'E';
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, command, []).Status);
    }

    [Fact]
    public void Standard() => AssertStandard(Fp, Transport.Tcp, BtcVersionCore, BtcVersionBtcd);

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] huge = (byte[])BtcVerack.Clone();
        huge[19] = 0x7f;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, huge, []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, BtcVersionCore, BtcVersionBtcd);
    }
}
