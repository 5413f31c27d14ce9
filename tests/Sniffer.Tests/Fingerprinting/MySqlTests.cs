using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.MySql;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class MySqlTests
{
    private static readonly MySqlFingerprinter Fp = MySqlFingerprinter.Instance;

    /// <summary>A MySQL 8.0.35 greeting (Handshake V10, caching_sha2_password), built field by field.</summary>
    private static readonly byte[] MySql8Greeting = BuildGreeting("8.0.35", "caching_sha2_password");

    private static byte[] BuildGreeting(string version, string plugin)
    {
        var payload = new List<byte> { 10 };
        payload.AddRange(System.Text.Encoding.ASCII.GetBytes(version));
        payload.Add(0);
        payload.AddRange([0x0b, 0, 0, 0]);                  // thread id 11
        payload.AddRange("abcdefgh"u8.ToArray());           // scramble 1
        payload.Add(0);                                     // filler
        payload.AddRange([0xff, 0xff]);                     // caps low
        payload.Add(0xff);                                  // charset
        payload.AddRange([0x02, 0x00]);                     // status
        payload.AddRange([0xff, 0xdf]);                     // caps high
        payload.Add(21);                                    // scramble length
        payload.AddRange(new byte[10]);                     // reserved
        payload.AddRange("ijklmnopqrst\0"u8.ToArray());     // scramble 2
        payload.AddRange(System.Text.Encoding.ASCII.GetBytes(plugin));
        payload.Add(0);
        return [(byte)payload.Count, 0, 0, 0, .. payload];
    }

    [Fact]
    public void MariaDbGreeting_IsHigh_AndNamesTheProduct()
    {
        var r = Probe(Fp, Transport.Tcp, [], MyGreeting, false, false);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("mysql.server_greeting", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, MyResponse, MyGreeting);
        Assert.Equal("5.5.5-10.11.19-MariaDB-0+deb12u1", Path(doc, "sniffer.mysql.server_version"));
        Assert.Equal("MariaDB", Path(doc, "app.name"));
        Assert.Equal("10.11.19", Path(doc, "app.version"));
        Assert.Equal("3", Path(doc, "sniffer.mysql.connection_id"));
        Assert.Equal("mysql_native_password", Path(doc, "sniffer.mysql.auth_plugin"));
        Assert.Equal("alice", Path(doc, "ecs.user.name"));
        Assert.Equal("libmariadb", Path(doc, "sniffer.mysql.client_name"));
        Assert.Equal("3.3.20", Path(doc, "sniffer.mysql.client_version"));
    }

    [Fact]
    public void MySql8Greeting_NamesMySql()
    {
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, [], MySql8Greeting).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, [], MySql8Greeting);
        Assert.Equal("MySQL", Path(doc, "app.name"));
        Assert.Equal("8.0.35", Path(doc, "app.version"));
        Assert.Equal("caching_sha2_password", Path(doc, "sniffer.mysql.auth_plugin"));
    }

    [Fact]
    public void ClientOnly_HandshakeResponse()
    {
        var r = Probe(Fp, Transport.Tcp, MyResponse, [], true, true);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal("mysql.handshake_response", r.Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, MyResponse, [.. MyGreeting, .. MyAccessDenied]).Confidence);
    }

    [Fact]
    public void SslRequest()
    {
        byte[] ssl = Hex("2000000185ae7f0000000001210000000000000000000000000000000000000000000000");
        var r = Probe(Fp, Transport.Tcp, ssl, MySql8Greeting);
        Assert.Equal(ProbeStatus.Match, r.Status);
        using var doc = ExtractJson(Fp, Transport.Tcp, ssl, MySql8Greeting);
        Assert.Equal("true", Path(doc, "sniffer.mysql.ssl_request"));
    }

    [Fact]
    public void ErrorGreeting()
    {
        byte[] err = [0x45, 0, 0, 0, 0xff, 0x6a, 0x04, .. "Host '10.0.0.5' is not allowed to connect to this MariaDB server"u8];
        err[0] = (byte)(err.Length - 4);
        var r = Probe(Fp, Transport.Tcp, [], err);
        Assert.Equal("mysql.error", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, [], err);
        Assert.Equal("1130", Path(doc, "sniffer.mysql.error_code"));
        Assert.StartsWith("Host '10.0.0.5'", Path(doc, "sniffer.mysql.error_message"), StringComparison.Ordinal);
    }

    [Fact]
    public void Prefixes_And_Splits()
    {
        AssertPrefixes(Fp, Transport.Tcp, MyGreeting, asClient: false);
        AssertPrefixes(Fp, Transport.Tcp, MySql8Greeting, asClient: false);
        AssertPrefixes(Fp, Transport.Tcp, MyResponse, asClient: true);
        AssertSplits(Fp, Transport.Tcp, MyResponse, [.. MyGreeting, .. MyAccessDenied]);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] badVersion = (byte[])MyGreeting.Clone();
        badVersion[8] = 0x01;
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], badVersion).Status);
        byte[] badFiller = (byte[])MyGreeting.Clone();
        badFiller[4 + 1 + 33 + 4 + 8] = 7;
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], badFiller).Status);
        byte[] overlong = (byte[])MyGreeting.Clone();
        overlong[1] = 0x7f;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, [], overlong).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, MyResponse, MyGreeting);
        AssertSurvivesMutations(Fp, Transport.Tcp, MyResponse, MyAccessDenied);
    }
}
