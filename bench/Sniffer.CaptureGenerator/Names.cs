namespace Sniffer.CaptureGenerator;

/// <summary>Host names, user agents, servers and banners the protocols draw from.</summary>
internal static class Names
{
    public static readonly string[] Domains =
    [
        "example.com", "example.net", "example.org", "corp.example", "internal.example", "shop.example.com",
        "cdn.example.net", "cloud.example.org", "svc.example", "partner.example.com",
    ];

    public static readonly string[] Hosts =
    [
        "www", "api", "auth", "login", "static", "img", "cdn", "mail", "git", "ci", "vpn", "grafana", "metrics",
        "updates", "telemetry", "s3", "storage", "db-01", "db-02", "cache", "queue", "admin", "portal", "wiki",
        "chat", "files", "backup", "monitor", "ldap", "sso", "registry", "build", "edge", "gw",
    ];

    /// <summary>A DNS-style host name: known label, sometimes a random one, under a domain.</summary>
    public static string HostName(Rng r) => r.Next(10) switch
    {
        < 6 => $"{r.Pick(Hosts)}.{r.Pick(Domains)}",
        < 8 => $"{r.Pick(Hosts)}-{r.Next(1, 40)}.{r.Pick(Domains)}",
        < 9 => $"{r.Label(r.Next(6, 14))}.{r.Pick(Domains)}",
        _ => r.Pick(Domains),
    };

    public static readonly string[] UserAgents =
    [
        "curl/7.88.1", "curl/8.5.0", "Wget/1.21.3", "python-requests/2.31.0", "Go-http-client/1.1", "okhttp/4.12.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "PostmanRuntime/7.37.3", "Prometheus/2.51.0", "kube-probe/1.29", "Apache-HttpClient/4.5.14 (Java/17.0.10)",
        "aws-sdk-go/1.51.0 (go1.22.1; linux; amd64)", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    ];

    public static readonly string[] Servers =
    [
        "nginx/1.22.1", "nginx/1.24.0", "nginx", "Apache/2.4.57 (Debian)", "Apache", "Microsoft-IIS/10.0",
        "gunicorn", "uvicorn", "openresty/1.21.4.3", "Caddy", "envoy", "lighttpd/1.4.69", "Jetty(9.4.53.v20231009)",
        "cloudflare", "Kestrel", "SimpleHTTP/0.6 Python/3.11.2",
    ];

    /// <summary>Real OpenSSH (and a few other) client identification strings.</summary>
    public static readonly string[] SshClientBanners =
    [
        "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
        "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5", "SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3", "SSH-2.0-OpenSSH_9.7",
        "SSH-2.0-OpenSSH_8.7", "SSH-2.0-OpenSSH_7.4", "SSH-2.0-OpenSSH_for_Windows_8.1", "SSH-2.0-OpenSSH_9.0",
        "SSH-2.0-PuTTY_Release_0.80", "SSH-2.0-paramiko_3.4.0", "SSH-2.0-Go",
    ];

    public static readonly string[] SshServerBanners =
    [
        "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
        "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5", "SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3", "SSH-2.0-OpenSSH_7.4",
        "SSH-2.0-OpenSSH_8.0", "SSH-2.0-OpenSSH_9.3", "SSH-2.0-OpenSSH_for_Windows_8.1", "SSH-2.0-dropbear_2022.83",
    ];

    public static readonly string[] Words =
    [
        "the", "network", "sensor", "flow", "packet", "report", "value", "status", "service", "request", "user",
        "order", "item", "price", "account", "session", "cache", "metric", "event", "error", "warning", "info",
        "data", "index", "content", "header", "footer", "section", "article", "title", "description", "image",
    ];
}
