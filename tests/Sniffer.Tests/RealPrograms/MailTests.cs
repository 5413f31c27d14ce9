using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>
/// Dovecot (IMAP, POP3) with curl, both upgraded with STARTTLS: the record names the mail protocol in
/// <c>network.protocol</c> and the TLS inside it in <c>sniffer.inner</c>, with the inner handshake's SNI and
/// fingerprints — the inner-protocol path on a real server and a real client.
/// </summary>
[Collection(RealProgramCollection.Name)]
public sealed class MailTests(ITestOutputHelper output)
{
    private const string ServerName = "mail.sniffer.test";
    private const string User = "sniffer";
    private const string Password = "sniffer-mail-pass";

    [SkippableFact]
    public Task Imap_DovecotAndCurlWithStartTls() => RunAsync("imap", "dovecot-imapd", "* OK [CAPABILITY IMAP4rev1");

    [SkippableFact]
    public Task Pop3_DovecotAndCurlWithStartTls() => RunAsync("pop3", "dovecot-pop3d", "+OK Dovecot (Debian) ready.");

    private async Task RunAsync(string protocol, string package, string bannerStart)
    {
        var dovecot = Tool.Require("dovecot", package, "/usr/sbin/dovecot");
        Tool.Require($"dovecot {protocol} login", package, $"/usr/lib/dovecot/{protocol}-login");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        var openssl = Tool.Require("openssl", "openssl", "/usr/bin/openssl");
        Tool.RequireUser("dovenull", package); // login processes run as dovenull, mail processes as nobody
        using var s = await RealProgramSession.StartAsync(output, protocol, dovecot, curl);
        s.Run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", $"/CN={ServerName}",
            "-keyout", s.PathOf("key.pem"), "-out", s.PathOf("cert.pem")]);
        string home = s.MakeDir("home", owner: "nobody");
        Directory.CreateDirectory(Path.Combine(home, "Maildir", "cur"));
        Directory.CreateDirectory(Path.Combine(home, "Maildir", "new"));
        Directory.CreateDirectory(Path.Combine(home, "Maildir", "tmp"));
        s.Chown("nobody", home);
        string config = s.WriteFile("dovecot.conf", $$"""
            protocols = {{protocol}}
            listen = {{RealProgramSession.Address}}
            base_dir = {{s.MakeDir("run")}}
            state_dir = {{s.MakeDir("state")}}
            log_path = {{s.PathOf("dovecot.log")}}
            ssl = yes
            ssl_cert = <{{s.PathOf("cert.pem")}}
            ssl_key = <{{s.PathOf("key.pem")}}
            disable_plaintext_auth = yes
            passdb {
              driver = static
              args = password={{Password}}
            }
            userdb {
              driver = static
              args = uid=nobody gid=nogroup home={{home}}
            }
            mail_location = maildir:~/Maildir
            service {{protocol}}-login {
              inet_listener {{protocol}} {
                address = {{RealProgramSession.Address}}
                port = {{RealProgramSession.Port}}
              }
              inet_listener {{protocol}}s {
                port = 0
              }
            }
            """);
        await s.StartServerAsync(dovecot, ["-F", "-c", config]);

        // curl upgrades with STARTTLS (--ssl-reqd) and logs in; --connect-to keeps the name for SNI.
        var list = s.Run(curl, ["-sS", "--max-time", "10", "--ssl-reqd", "-k", "--user", $"{User}:{Password}",
            "--connect-to", $"{ServerName}:{RealProgramSession.Port}:{RealProgramSession.Address}:{RealProgramSession.Port}",
            $"{protocol}://{ServerName}:{RealProgramSession.Port}/"]);
        Assert.Equal(0, list.ExitCode);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, protocol, 1);
        var f = flows[0];
        Assert.StartsWith(bannerStart, f.Str($"sniffer.{protocol}.banner"), StringComparison.Ordinal);
        Assert.Equal("True", f.Str($"sniffer.{protocol}.starttls"));
        Assert.Equal("Dovecot", f.Str("sniffer.application.name"));
        Assert.Equal("server", f.Str("sniffer.first_speaker"));
        Assert.Equal("tls", f.Str("sniffer.inner.protocol"));
        Assert.Equal("tls.client_hello", f.Str("sniffer.inner.evidence"));
        Assert.Equal(ServerName, f.Str("tls.client.server_name"));
        Assert.Equal("1.3", f.Str("tls.version"));
        Assert.Matches("^[0-9a-f]{32}$", f.Str("tls.client.ja3") ?? "");
        Assert.Matches("^t13d", f.Str("sniffer.tls.client.ja4") ?? "");
        // The password went inside TLS: it is nowhere in the record.
        Assert.DoesNotContain(Password, f.GetRawText(), StringComparison.Ordinal);
    }
}
