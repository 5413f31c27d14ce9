using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.PostgreSql;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class PostgreSqlTests
{
    private static readonly PostgreSqlFingerprinter Fp = PostgreSqlFingerprinter.Instance;

    [Fact]
    public void StartupAlone_IsHigh()
    {
        var r = Probe(Fp, Transport.Tcp, PgStartup, [], true, false);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("postgresql.startup", r.Evidence);
    }

    [Fact]
    public void StartupAndAuth_ExtractsUserDatabaseVersion()
    {
        var r = Probe(Fp, Transport.Tcp, PgStartup, [.. PgAuthMd5, .. PgAuthOkParams]);
        Assert.Equal(Confidence.High, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, PgStartup, [.. PgAuthMd5, .. PgAuthOkParams]);
        Assert.Equal("oryx", Path(doc, "ecs.user.name"));
        Assert.Equal("mailstore", Path(doc, "sniffer.postgresql.database"));
        Assert.Equal("md5", Path(doc, "sniffer.postgresql.auth_method"));
        Assert.Equal("7.4.6", Path(doc, "sniffer.postgresql.server_version"));
        Assert.Equal("PostgreSQL", Path(doc, "app.name"));
        Assert.Equal("7.4.6", Path(doc, "app.version"));
    }

    [Fact]
    public void SslRequestDeclined_ThenStartup()
    {
        byte[] client = [.. PgSslRequest, .. PgStartupPsql];
        byte[] server = [(byte)'N', .. PgAuthSasl];
        var r = Probe(Fp, Transport.Tcp, client, server);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, client, server);
        Assert.Equal("test", Path(doc, "ecs.user.name"));
        Assert.Equal("postgres", Path(doc, "sniffer.postgresql.database"));
        Assert.Equal("psql", Path(doc, "sniffer.postgresql.application_name"));
        Assert.Equal("true", Path(doc, "sniffer.postgresql.ssl_request"));
        Assert.Equal("N", Path(doc, "sniffer.postgresql.ssl_response"));
        Assert.Equal("scram-sha-256", Path(doc, "sniffer.postgresql.auth_method"));
    }

    [Fact]
    public void SslRequest_WaitsForAnswer_ThenHigh()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Transport.Tcp, PgSslRequest, [], false, false).Status);
        var alone = Probe(Fp, Transport.Tcp, PgSslRequest, [], true, true);
        Assert.Equal(Confidence.Medium, alone.Confidence);
        var r = Probe(Fp, Transport.Tcp, PgSslRequest, "S"u8.ToArray(), false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("postgresql.ssl_request", r.Evidence);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, PgSslRequest, "HTTP/1.1 400"u8.ToArray()).Status);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, PgGssEncRequest, "N"u8.ToArray()).Status);
    }

    [Fact]
    public void ServerOnly_AuthenticationRequest()
    {
        var r = Probe(Fp, Transport.Tcp, [], PgAuthOkParams, true, true);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal("postgresql.authentication", r.Evidence);
    }

    [Fact]
    public void ServerError_IsRead()
    {
        byte[] error = [(byte)'E', 0, 0, 0, 0x27, (byte)'S', .. "FATAL\0"u8, (byte)'C', .. "28000\0"u8, (byte)'M', .. "no pg_hba.conf entry\0"u8, 0];
        error[4] = (byte)(error.Length - 1);
        var r = Probe(Fp, Transport.Tcp, PgStartup, error);
        Assert.Equal(ProbeStatus.Match, r.Status);
        using var doc = ExtractJson(Fp, Transport.Tcp, PgStartup, error);
        Assert.Equal("28000", Path(doc, "sniffer.postgresql.error_code"));
        Assert.Equal("no pg_hba.conf entry", Path(doc, "sniffer.postgresql.error_message"));
    }

    [Fact]
    public void Prefixes_And_Splits()
    {
        AssertPrefixes(Fp, Transport.Tcp, PgStartup, asClient: true);
        AssertPrefixes(Fp, Transport.Tcp, PgStartupPsql, asClient: true);
        AssertPrefixes(Fp, Transport.Tcp, PgAuthOkParams, asClient: false);
        AssertSplits(Fp, Transport.Tcp, PgStartup, [.. PgAuthMd5, .. PgAuthOkParams]);
        AssertSplits(Fp, Transport.Tcp, [.. PgSslRequest, .. PgStartupPsql], [(byte)'N', .. PgAuthSasl]);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        // Overlong length, bad protocol version, names with control characters, pairs missing the terminator.
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, Hex("7fffffff00030000757365720061000000"), []).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, Hex("0000001100040000757365720061000000"), []).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, Hex("000000110003000075730172006100 0000"), []).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, Hex("0000000f000300007573657200610000"), []).Status);
        byte[] invalidUtf8 = Hex("0000001100030000757365720061ff00 00");
        invalidUtf8[3] = (byte)invalidUtf8.Length;
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, invalidUtf8, []).Status);
        using var doc = ExtractJson(Fp, Transport.Tcp, invalidUtf8, []);
        Assert.Equal("a\uFFFD", Path(doc, "ecs.user.name"));
        AssertSurvivesMutations(Fp, Transport.Tcp, [.. PgSslRequest, .. PgStartupPsql], [(byte)'N', .. PgAuthSasl, .. PgAuthOkParams]);
        AssertSurvivesMutations(Fp, Transport.Tcp, PgStartup, [.. PgAuthMd5, .. PgAuthOkParams]);
    }
}
