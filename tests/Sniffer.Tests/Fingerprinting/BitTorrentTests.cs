using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.BitTorrent;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class BitTorrentTests
{
    private static readonly BitTorrentFingerprinter Fp = BitTorrentFingerprinter.Instance;

    [Fact]
    public void PeerWireHandshake()
    {
        var r = Probe(Fp, Transport.Tcp, BtHandshake, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("bittorrent.handshake", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, BtHandshake, []);
        Assert.Equal("handshake", Path(doc, "sniffer.bittorrent.kind"));
        Assert.Equal(40, Path(doc, "sniffer.bittorrent.info_hash")!.Length);
        Assert.StartsWith("-UM1860-", Path(doc, "sniffer.bittorrent.peer_id"), StringComparison.Ordinal);
        Assert.Equal("µTorrent Mac", Path(doc, "app.name"));
        Assert.Equal("1.8.6", Path(doc, "app.version"));
    }

    [Fact]
    public void QBittorrentPeerId()
    {
        byte[] hs = [.. BtHandshake[..48], .. "-qB4250-abcdefghijkl"u8];
        using var doc = ExtractJson(Fp, Transport.Tcp, hs, []);
        Assert.Equal("qBittorrent", Path(doc, "app.name"));
        Assert.Equal("4.2.5", Path(doc, "app.version"));
    }

    [Fact]
    public void Dht()
    {
        var r = Probe(Fp, Transport.Udp, BtDhtGetPeers, [], true, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("bittorrent.dht", r.Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Udp, BtDhtGetPeers, BtUtpStateWithExtension).Confidence);
        using var doc = ExtractJson(Fp, Transport.Udp, BtDhtGetPeers, BtUtpStateWithExtension);
        Assert.Equal("get_peers", Path(doc, "sniffer.bittorrent.dht_query"));
        Assert.Equal("LT1.1", Path(doc, "sniffer.bittorrent.dht_client"));
        Assert.Equal("f7f601d8a6276f762c2c3df274af2827f8d1f1de", Path(doc, "sniffer.bittorrent.info_hash"));
        // A truncated dictionary is not a DHT message.
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, BtDhtGetPeers[..^1], []).Status);
    }

    [Fact]
    public void Utp()
    {
        Assert.Equal(Confidence.Low, Probe(Fp, Transport.Udp, BtUtpSyn, [], true, true).Confidence);
        var r = Probe(Fp, Transport.Udp, BtUtpSyn, BtUtpState);
        Assert.Equal(Confidence.High, r.Confidence);
        byte[] wrongAck = (byte[])BtUtpState.Clone();
        wrongAck[19] ^= 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, BtUtpSyn, wrongAck).Status);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Udp, [], BtUtpStateWithExtension).Status);
    }

    [Fact]
    public void LocalServiceDiscovery()
    {
        var r = Probe(Fp, Transport.Udp, BtLsd, [], true, true);
        Assert.Equal("bittorrent.lsd", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Udp, BtLsd, []);
        Assert.Equal("ed4f1085e885f98f9a69b70ee89eb988b8fd9115", Path(doc, "sniffer.bittorrent.info_hash"));
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, BtHandshake, BtHandshake);
        AssertStandard(Fp, Transport.Udp, BtUtpSyn, BtUtpState);
        AssertStandard(Fp, Transport.Udp, BtDhtGetPeers, []);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] deep = [.. Enumerable.Repeat((byte)'l', 40), .. Enumerable.Repeat((byte)'e', 40)];
        deep[0] = (byte)'d';
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, deep, []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, "d1:y99999999999:qe"u8.ToArray(), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, "di1e1:ye"u8.ToArray(), []).Status);
        AssertSurvivesMutations(Fp, Transport.Udp, BtDhtGetPeers, BtUtpStateWithExtension);
        AssertSurvivesMutations(Fp, Transport.Tcp, BtHandshake, []);
    }
}
