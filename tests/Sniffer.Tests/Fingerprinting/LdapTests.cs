using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Ldap;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class LdapTests
{
    private static readonly LdapFingerprinter Fp = LdapFingerprinter.Instance;

    [Fact]
    public void SimpleBind()
    {
        var r = Probe(Fp, Transport.Tcp, LdapSimpleBind, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("ldap.bind_request", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, [.. LdapSimpleBind, .. LdapSearch], LdapBindResponse);
        Assert.Equal("cn=admin,dc=example,dc=org", Path(doc, "ecs.user.name"));
        Assert.Equal("cn=admin,dc=example,dc=org", Path(doc, "sniffer.ldap.bind_dn"));
        Assert.Equal("bind_request", Path(doc, "sniffer.ldap.operation"));
        Assert.Equal("simple", Path(doc, "sniffer.ldap.auth"));
        Assert.Equal("0", Path(doc, "sniffer.ldap.result_code"));
        Assert.Null(Path(doc, "sniffer.ldap.password"));
    }

    [Fact]
    public void Search_AndServerOnly()
    {
        using var doc = ExtractJson(Fp, Transport.Tcp, LdapSearch, []);
        Assert.Equal("search_request", Path(doc, "sniffer.ldap.operation"));
        Assert.Equal("dc=example,dc=org", Path(doc, "sniffer.ldap.base_dn"));
        Assert.Equal("sub", Path(doc, "sniffer.ldap.scope"));
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], LdapBindResponse).Status);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Udp, LdapRootDseSearch, []).Status);
    }

    [Fact]
    public void JndiSearchWithControls()
    {
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, LdapJndiSearch, []).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, LdapJndiSearch, []);
        Assert.Equal("a", Path(doc, "sniffer.ldap.base_dn"));
        Assert.Equal("base", Path(doc, "sniffer.ldap.scope"));
    }

    [Fact]
    public void WrongDirection_IsRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, LdapBindResponse, []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, [], LdapSimpleBind).Status);
    }

    [Fact]
    public void Snmp_IsRefused()
    {
        byte[] snmp = Hex("302602010104067075626c6963a01902046c2e5b35020100020100300b300906052b060102010500");
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, snmp, []).Status);
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, LdapSimpleBind, LdapBindResponse);
        AssertStandard(Fp, Transport.Tcp, LdapAnonymousBind, LdapBindResponse);
        AssertStandard(Fp, Transport.Tcp, LdapRootDseSearch, []);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("3084ffffffff020101600702010304008000"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("300c0201016007020103047f8000"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("3080020101600702010304008000"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, LdapSimpleBind, LdapBindResponse);
        AssertSurvivesMutations(Fp, Transport.Tcp, LdapSearch, []);
    }
}
