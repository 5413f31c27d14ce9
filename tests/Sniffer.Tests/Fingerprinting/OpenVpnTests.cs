using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.OpenVpn;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class OpenVpnTests
{
    private static readonly OpenVpnFingerprinter Fp = OpenVpnFingerprinter.Instance;

    public static TheoryData<string, string, string, string?> Pairs => new()
    {
        { nameof(OvpnUdpPlainClient), nameof(OvpnUdpPlainServer), "none", null },
        { nameof(OvpnUdpSha1Client), nameof(OvpnUdpSha1Server), "tls-auth", "20" },
        { nameof(OvpnUdpSha512Client), nameof(OvpnUdpSha512Server), "tls-auth", "64" },
        { nameof(OvpnTcpPlainClient), nameof(OvpnTcpPlainServer), "none", null },
        { nameof(OvpnTcpCryptClient), nameof(OvpnTcpCryptServer), "tls-crypt", null },
    };

    private static byte[] Sample(string name) => (byte[])typeof(BinarySamples).GetField(name)!.GetValue(null)!;

    [Theory]
    [MemberData(nameof(Pairs))]
    public void HardResets(string clientName, string serverName, string protection, string? hmac)
    {
        byte[] client = Sample(clientName);
        byte[] server = Sample(serverName);
        var transport = clientName.Contains("Tcp", StringComparison.Ordinal) ? Transport.Tcp : Transport.Udp;
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, transport, client, [], true, false).Status);
        var r = Probe(Fp, transport, client, server);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("openvpn.hard_reset_client", r.Evidence);
        Assert.Equal(Confidence.Medium, Probe(Fp, transport, client, [], true, true).Confidence);
        Assert.Equal(Confidence.Medium, Probe(Fp, transport, [], server, true, true).Confidence);
        using var doc = ExtractJson(Fp, transport, client, server);
        Assert.Equal(protection, Path(doc, "sniffer.openvpn.protection"));
        Assert.Equal(hmac, Path(doc, "sniffer.openvpn.hmac_size"));
        Assert.Equal("P_CONTROL_HARD_RESET_CLIENT_V2", Path(doc, "sniffer.openvpn.opcode"));
        Assert.Equal("OpenVPN", Path(doc, "app.name"));
        AssertStandard(Fp, transport, client, server);
    }

    [Fact]
    public void ServerAckingAnotherSession_IsRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, OvpnUdpSha1Client, OvpnUdpSha512Server).Status);
        byte[] other = (byte[])OvpnUdpPlainServer.Clone();
        other[15] ^= 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, OvpnUdpPlainClient, other).Status);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] keyId = (byte[])OvpnUdpPlainClient.Clone();
        keyId[0] |= 1;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, keyId, []).Status);
        byte[] ackCount = (byte[])OvpnUdpPlainClient.Clone();
        ackCount[9] = 5;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, ackCount, []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("ffff38"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, OvpnTcpCryptClient, OvpnTcpCryptServer);
    }
}
