using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Kerberos;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class KerberosTests
{
    private static readonly KerberosFingerprinter Fp = KerberosFingerprinter.Instance;

    // kerberos-error.pcap: AS-REQ for host/mus-n-cj0709@LINUX.SHELL.COM and the KRB-ERROR (RESPONSE_TOO_BIG, 52) reply.
    private static readonly byte[] AsReq = Hex(
        "6a82011b30820117a103020105a20302010aa35830563048a103020102a241043f303da003020117a2360434b60e0b505f98104206f62503b8e0e7c8" +
        "2d842e6f01e5c7f0e1540d1ea4c7e89181e69691e0c41d775649bd7fa5ac4b1874a91915300aa10402020095a2020400a481b03081ada00703050000" +
        "810000a11f301da003020101a11630141b04686f73741b0c6d75732d6e2d636a30373039a2111b0f4c494e55582e5348454c4c2e434f4da3243022a0" +
        "03020102a11b30191b066b72627467741b0f4c494e55582e5348454c4c2e434f4da511180f32303232303232333037343630335aa611180f32303232" +
        "303330343037343630335aa706020447a1fa99a81a301802011702011202011102011402011302011002011902011a");
    private static readonly byte[] KrbError = Hex(
        "7e643062a003020105a10302011ea411180f32303232303232323037343630345aa50502030ec26da603020134a9111b0f4c494e55582e5348454c4c" +
        "2e434f4daa243022a003020102a11b30191b066b72627467741b0f4c494e55582e5348454c4c2e434f4d");

    private static byte[] Tcp(byte[] m) => [(byte)(m.Length >> 24), (byte)(m.Length >> 16), (byte)(m.Length >> 8), (byte)m.Length, .. m];

    [Fact]
    public void RealMessagesMatch()
    {
        var r = Probe(Fp, Transport.Udp, AsReq, KrbError);
        Assert.Equal("kerberos.exchange", r.Evidence);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("kerberos.request", ProbeClient(Fp, Transport.Udp, AsReq).Evidence);
        Assert.Equal("kerberos.error", ProbeServer(Fp, Transport.Udp, KrbError).Evidence);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, Tcp(AsReq), complete: false).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Tcp(AsReq)).Status);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var doc = Json(RunExtract(Fp, Transport.Udp, AsReq, KrbError)!);
        Assert.Equal("krb_error", Path(doc, "sniffer.kerberos.msg_type"));
        Assert.Equal("LINUX.SHELL.COM", Path(doc, "sniffer.kerberos.realm"));
        Assert.Equal("host/mus-n-cj0709", Path(doc, "sniffer.kerberos.cname"));
        Assert.Equal("krbtgt/LINUX.SHELL.COM", Path(doc, "sniffer.kerberos.sname"));
        Assert.Equal("52", Path(doc, "sniffer.kerberos.error_code"));
        using var req = Json(RunExtract(Fp, Transport.Tcp, Tcp(AsReq), [])!);
        Assert.Equal("as_req", Path(req, "sniffer.kerberos.msg_type"));
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Tcp, Tcp(AsReq), asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Udp, KrbError, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Tcp, Tcp(AsReq), Tcp(KrbError));
        AssertSplits(Fp, Transport.Udp, AsReq, KrbError);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        var pvno4 = (byte[])KrbError.Clone();
        pvno4[8] = 4;
        Assert.Equal(ProbeStatus.NoMatch, ProbeServer(Fp, Transport.Udp, pvno4).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, Hex("7fffffff6a"), complete: false).Status);
        AssertSurvivesMutations(Fp, Transport.Udp, AsReq);
        AssertSurvivesMutations(Fp, Transport.Udp, KrbError);
    }
}
