using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Dns;
using Sniffer.Fingerprinting.NetBios;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class NetBiosTests
{
    private static readonly NetBiosFingerprinter Fp = NetBiosFingerprinter.Instance;

    // netbios.pcap frame 1: NBNS broadcast name query for "WORKGROUP<00>"-like name.
    private static readonly byte[] NameQuery = Hex("a7490110000100000000000020464946444645464345464542454e46504549464a4341434143414341434141410000200001");
    // NBNS NBSTAT response (qd 0, an 1) for "*".
    private static readonly byte[] NbstatResponse = Hex("20a88400000000010000000020434b41414141414141414141414141414141414141414141414141414141414100002100010000000000770447554e4e4152202020202020202020000400");
    // frame 20: NBDGM direct group datagram carrying a browser SMB .
    private static readonly byte[] Datagram = Hex(
        "110ec2f40a000509008a00bb000020454f46474643444a43414341434143414341434143414341434143414341434100204647454a4548454a454d45" +
        "42454f46454650454846434550464646414341424e00ff534d4225000000000000000000000000000000000000000000000000000000110000210000" +
        "00000000000000e803000000000000000021005600030001000000020032005c4d41494c534c4f545c42524f57534500010080fc0a004e5652390000" +
        "000000000000000000000601071001000f0155aa00");
    // frame 261: NBSS session request.
    private static readonly byte[] SessionRequest = Hex("8100004420454a4543454a45474549464244424442464846444441444344444341434143410020464345504644454745494642444144484648464444414441444543414341414100");

    [Fact]
    public void RealMessagesMatch()
    {
        Assert.Equal("netbios.name_service", ProbeClient(Fp, Transport.Udp, NameQuery).Evidence);
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Udp, NbstatResponse[..^10]).Status);
        Assert.Equal("netbios.datagram", ProbeClient(Fp, Transport.Udp, Datagram).Evidence);
        var r = ProbeClient(Fp, Transport.Tcp, SessionRequest, complete: false);
        Assert.Equal("netbios.session_request", r.Evidence);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, SessionRequest, Hex("82000000"), false, false).Status);
    }

    [Fact]
    public void DnsLeavesNameServiceAlone()
    {
        Assert.NotEqual(ProbeStatus.Match, ProbeClient(DnsFingerprinter.Instance, Transport.Udp, NameQuery).Status);
    }

    [Fact]
    public void SmbSessionMessagesAreNotClaimed()
    {
        var smb = Hex("00000054ff534d4272000000001843c8000000000000000000000000fffe00000000003100");
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, smb, complete: false).Status);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Udp, NameQuery, [])!);
        Assert.Equal("name_query", Path(a, "sniffer.netbios.type"));
        Assert.Equal("XSTREAM_HY", Path(a, "sniffer.netbios.name"));
        Assert.Equal("0", Path(a, "sniffer.netbios.suffix"));
        using var b = Json(RunExtract(Fp, Transport.Tcp, SessionRequest, [])!);
        Assert.Equal("session_request", Path(b, "sniffer.netbios.type"));
        Assert.Equal("32", Path(b, "sniffer.netbios.suffix"));
        Assert.NotNull(Path(b, "sniffer.netbios.name"));
        using var c = Json(RunExtract(Fp, Transport.Udp, [], NbstatResponse)!);
        Assert.Equal("*", Path(c, "sniffer.netbios.name"));
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Tcp, SessionRequest, asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Udp, NameQuery, asClient: true, datagram: true);
        AssertSplits(Fp, Transport.Tcp, SessionRequest, Hex("82000000"));
        AssertSplits(Fp, Transport.Udp, NameQuery, []);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        var badChar = (byte[])SessionRequest.Clone();
        badChar[10] = (byte)'Z';
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, badChar, complete: false).Status);
        var longLen = Hex("8101ffff20");
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, longLen, complete: false).Status);
        AssertSurvivesMutations(Fp, Transport.Udp, NameQuery);
        AssertSurvivesMutations(Fp, Transport.Udp, Datagram);
        AssertSurvivesMutations(Fp, Transport.Tcp, SessionRequest);
    }
}
