using System.Text.RegularExpressions;
using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>nginx (own prefix and config, one foreground process) driven by curl, in clear and over TLS.</summary>
[Collection(RealProgramCollection.Name)]
public sealed partial class WebTests(ITestOutputHelper output)
{
    private const string ServerName = "real.sniffer.test";

    internal static string NginxConfig(RealProgramSession s, string listen, string extra, int port = RealProgramSession.Port) => $$"""
        daemon off;
        master_process off;
        pid {{s.PathOf("nginx.pid")}};
        error_log {{s.PathOf("error.log")}};
        events { worker_connections 64; }
        http {
            access_log {{s.PathOf("access.log")}};
            client_body_temp_path {{s.PathOf("tmp-body")}};
            proxy_temp_path {{s.PathOf("tmp-proxy")}};
            fastcgi_temp_path {{s.PathOf("tmp-fastcgi")}};
            uwsgi_temp_path {{s.PathOf("tmp-uwsgi")}};
            scgi_temp_path {{s.PathOf("tmp-scgi")}};
            server {
                listen {{RealProgramSession.Address}}:{{port}} {{listen}};
                server_name {{ServerName}};
                root {{s.PathOf("html")}};
                {{extra}}
            }
        }
        """;

    /// <summary>nginx in one foreground process (no master), everything under the test's directory.</summary>
    internal static async Task StartNginx(RealProgramSession s, Tool nginx, string listen, string extra, int port = RealProgramSession.Port)
    {
        s.MakeDir("html");
        s.WriteFile(Path.Combine("html", "index.html"), "hello from real nginx\n");
        string config = s.WriteFile("nginx.conf", NginxConfig(s, listen, extra, port));
        await s.StartServerAsync(nginx, ["-p", s.Dir, "-c", config, "-e", s.PathOf("error.log")], port: port);
    }

    /// <summary>The product nginx names in its Server header, from `nginx -v` ("nginx version: nginx/1.22.1").</summary>
    private static string NginxVersion(RealProgramSession s, Tool nginx)
    {
        var m = NginxVersionLine().Match(s.Run(nginx, ["-v"]).Stderr);
        Assert.True(m.Success, "nginx -v printed no version");
        return m.Groups[1].Value;
    }

    [SkippableFact]
    public async Task Http_NginxAndCurl()
    {
        var nginx = Tool.Require("nginx", "nginx", "/usr/sbin/nginx");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        using var s = await RealProgramSession.StartAsync(output, "http", nginx, curl);
        string version = NginxVersion(s, nginx);
        string curlVersion = CurlVersion().Match(s.Run(curl, ["--version"]).Stdout).Groups[1].Value;
        await StartNginx(s, nginx, "", "");

        var get = s.Run(curl, ["-sS", "--max-time", "10", $"http://{RealProgramSession.Address}:{RealProgramSession.Port}/index.html?probe=1"]);
        Assert.Equal("hello from real nginx\n", get.Stdout);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "http", 1);
        var f = flows[0];
        Assert.Equal("GET", f.Str("http.request.method"));
        Assert.Equal("/index.html", f.Str("url.path"));
        Assert.Equal("probe=1", f.Str("url.query"));
        Assert.Equal("200", f.Str("http.response.status_code"));
        Assert.Equal("text/html", f.Str("http.response.mime_type"));
        Assert.Equal($"curl/{curlVersion}", f.Str("user_agent.original"));
        Assert.Equal("curl", f.Str("user_agent.name"));
        Assert.Equal($"nginx/{version}", f.Str("sniffer.http.server"));
        Expect.Application(f, "nginx", version);
    }

    /// <summary>
    /// nginx with TLS 1.2/1.3 and HTTP/2 (self-signed certificate made now); curl with SNI, once as it comes
    /// (TLS 1.3 negotiated) and once capped at TLS 1.2 (where the server's ALPN choice is still in clear).
    /// </summary>
    [SkippableFact]
    public async Task Tls_NginxAndCurl()
    {
        var nginx = Tool.Require("nginx", "nginx", "/usr/sbin/nginx");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        var openssl = Tool.Require("openssl", "openssl", "/usr/bin/openssl");
        using var s = await RealProgramSession.StartAsync(output, "tls", nginx, curl, openssl);
        s.Run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", $"/CN={ServerName}",
            "-keyout", s.PathOf("key.pem"), "-out", s.PathOf("cert.pem")]);
        await StartNginx(s, nginx, "ssl http2",
            $"ssl_certificate {s.PathOf("cert.pem")}; ssl_certificate_key {s.PathOf("key.pem")}; ssl_protocols TLSv1.2 TLSv1.3;");

        string url = $"https://{ServerName}:{RealProgramSession.Port}/index.html";
        string resolve = $"{ServerName}:{RealProgramSession.Port}:{RealProgramSession.Address}";
        var tls13 = s.Run(curl, ["-sS", "--max-time", "10", "-k", "--resolve", resolve, url]);
        var tls12 = s.Run(curl, ["-sS", "--max-time", "10", "-k", "--tls-max", "1.2", "--resolve", resolve, url]);
        Assert.Equal("hello from real nginx\n", tls13.Stdout);
        Assert.Equal("hello from real nginx\n", tls12.Stdout);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "tls", 2);
        foreach (var f in flows)
        {
            Assert.Equal(ServerName, f.Str("tls.client.server_name"));
            Assert.Equal(["h2", "http/1.1"], Expect.Strings(f, "sniffer.tls.client.alpn"));
            Assert.Equal("tls", f.Str("tls.version_protocol"));
            Assert.NotNull(f.Str("tls.cipher"));
            Expect.IsMd5Of(f.Str("tls.client.ja3"), f.Str("sniffer.tls.client.ja3_string"));
            Expect.IsMd5Of(f.Str("tls.server.ja3s"), f.Str("sniffer.tls.server.ja3s_string"));
            Assert.Equal("client", f.Str("sniffer.first_speaker"));
        }

        var v13 = Expect.One(flows, "tls.version", "1.3");
        var v12 = Expect.One(flows, "tls.version", "1.2");
        // JA4: TCP, the highest version offered, SNI present (d), 2-digit cipher and extension counts, first ALPN "h2".
        Assert.Matches(Ja4(), v13.Str("sniffer.tls.client.ja4"));
        Assert.StartsWith("t13d", v13.Str("sniffer.tls.client.ja4"), StringComparison.Ordinal);
        Assert.Matches(Ja4(), v12.Str("sniffer.tls.client.ja4"));
        Assert.StartsWith("t12d", v12.Str("sniffer.tls.client.ja4"), StringComparison.Ordinal);
        Assert.Contains("1.3", Expect.Strings(v13, "sniffer.tls.client.supported_versions"));
        Assert.StartsWith("TLS_AES_", v13.Str("tls.cipher"), StringComparison.Ordinal);
        Assert.Equal("h2", v12.Str("tls.next_protocol")); // TLS 1.3 encrypts the server's ALPN choice
        Assert.NotEqual(v13.Str("tls.client.ja3"), v12.Str("tls.client.ja3"));
    }

    /// <summary>nginx serving HTTP/2 in clear; curl with prior knowledge (the connection preface first, no Upgrade).</summary>
    [SkippableFact]
    public async Task Http2_NginxAndCurlPriorKnowledge()
    {
        var nginx = Tool.Require("nginx", "nginx", "/usr/sbin/nginx");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        using var s = await RealProgramSession.StartAsync(output, "http2", nginx, curl);
        await StartNginx(s, nginx, "http2", "");

        string url = $"http://{RealProgramSession.Address}:{RealProgramSession.Port}/index.html";
        var get = s.Run(curl, ["-sS", "--max-time", "10", "--http2-prior-knowledge", "-w", "%{http_version}", url]);
        Assert.Equal("hello from real nginx\n2", get.Stdout);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "http2", 1);
        Assert.Equal("True", flows[0].Str("sniffer.http2.prior_knowledge"));
        Assert.Equal("client", flows[0].Str("sniffer.first_speaker"));
    }

    [GeneratedRegex(@"nginx/([0-9][0-9.]*)")]
    private static partial Regex NginxVersionLine();

    [GeneratedRegex(@"^curl ([0-9][0-9.]*)")]
    private static partial Regex CurlVersion();

    [GeneratedRegex("^t1[0-3]d[0-9]{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$")]
    private static partial Regex Ja4();
}
