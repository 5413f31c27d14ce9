using System.Globalization;
using System.Text;

namespace Sniffer.CaptureGenerator;

/// <summary>HTTP/1.1: a request (varied method, path, host, user agent, headers), a response whose body is the bulk.</summary>
internal static class Http
{
    private static readonly (string Method, int Weight)[] Methods =
        [("GET", 70), ("POST", 12), ("HEAD", 5), ("PUT", 5), ("PATCH", 3), ("DELETE", 3), ("OPTIONS", 2)];

    private static readonly string[] Paths =
    [
        "/", "/index.html", "/api/v1/users/{n}", "/api/v2/orders?page={n}&limit=50", "/static/js/app.{h}.js",
        "/static/css/main.{h}.css", "/images/{w}-{n}.png", "/download/{w}-{n}.tar.gz", "/healthz", "/metrics",
        "/search?q={w}+{w}", "/v1/objects/{h}", "/login", "/dashboard/{w}", "/feed.xml", "/wp-admin/admin-ajax.php",
        "/graphql", "/api/items/{n}/details", "/.well-known/openid-configuration", "/robots.txt",
    ];

    private static readonly (string Type, string Corpus)[] ContentTypes =
    [
        ("text/html; charset=utf-8", "html"), ("application/json", "json"), ("text/plain; charset=utf-8", "text"),
        ("application/x-protobuf", "binary"), ("application/octet-stream", "binary"), ("application/gzip", "binary"),
        ("application/javascript", "text"),
    ];

    public static Conversation Build(Rng r, int bulkLength, long timeUs, ushort port)
    {
        var c = new Conversation();
        string method = Pick(r);
        string host = r.Chance(0.85) ? Names.HostName(r) : $"172.16.{r.Next(0, 4)}.{r.Next(1, 255)}";
        if (r.Chance(0.5))
        {
            host += ":" + port.ToString(CultureInfo.InvariantCulture);
        }

        string path = Path(r);
        string ua = r.Pick(Names.UserAgents);
        var (contentType, corpus) = r.Pick(ContentTypes);
        string server = r.Pick(Names.Servers);

        if (method == "HEAD")
        {
            c.Client(Request(r, "HEAD", path, host, ua, null));
            c.Server(ResponseHead(r, 200, server, contentType, bulkLength, timeUs));
            method = "GET"; // then fetch it
        }

        string? body = method is "POST" or "PUT" or "PATCH"
            ? $"{{\"{r.Pick(Names.Words)}\":\"{r.Label(r.Next(4, 40))}\",\"count\":{r.Next(0, 1000)},\"{r.Pick(Names.Words)}\":{(r.Chance(0.5) ? "true" : "false")}}}"
            : null;
        c.Client(Request(r, method, path, host, ua, body));
        int status = method switch
        {
            "POST" => r.Chance(0.7) ? 201 : 200,
            _ => r.Next(100) switch { < 86 => 200, < 91 => 404, < 94 => 206, < 97 => 403, _ => 500 },
        };
        if (status != 200 && status != 206 && status != 201)
        {
            (contentType, corpus) = ("text/html; charset=utf-8", "html");
        }

        c.Server(ResponseHead(r, status, server, contentType, bulkLength, timeUs));
        c.Bulk = Body(r, corpus, bulkLength);
        c.BulkFromClient = false;
        c.ClientClosesFirst = r.Chance(0.7);
        return c;
    }

    private static string Pick(Rng r)
    {
        int total = Methods.Sum(m => m.Weight);
        int x = r.Next(total);
        foreach (var (method, weight) in Methods)
        {
            if (x < weight)
            {
                return method;
            }

            x -= weight;
        }

        return "GET";
    }

    private static string Path(Rng r)
    {
        var sb = new StringBuilder(r.Pick(Paths));
        sb.Replace("{n}", r.Next(1, 100_000).ToString(CultureInfo.InvariantCulture));
        sb.Replace("{h}", r.Hex(4));
        string p = sb.ToString();
        while (p.Contains("{w}", StringComparison.Ordinal))
        {
            int i = p.IndexOf("{w}", StringComparison.Ordinal);
            p = string.Concat(p.AsSpan(0, i), r.Pick(Names.Words), p.AsSpan(i + 3));
        }

        return p;
    }

    private static string Request(Rng r, string method, string path, string host, string ua, string? body)
    {
        var sb = new StringBuilder();
        sb.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\n");
        sb.Append("Host: ").Append(host).Append("\r\n");
        sb.Append("User-Agent: ").Append(ua).Append("\r\n");
        sb.Append("Accept: ").Append(r.Next(3) switch { 0 => "*/*", 1 => "application/json", _ => "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" }).Append("\r\n");
        if (r.Chance(0.6))
        {
            sb.Append("Accept-Encoding: gzip, deflate, br\r\n");
        }

        if (r.Chance(0.3))
        {
            sb.Append("Accept-Language: en-US,en;q=0.9\r\n");
        }

        if (r.Chance(0.25))
        {
            sb.Append("Authorization: Bearer ").Append(r.Hex(24)).Append("\r\n");
        }

        if (r.Chance(0.3))
        {
            sb.Append("Cookie: session=").Append(r.Hex(16)).Append("; theme=").Append(r.Pick(Names.Words)).Append("\r\n");
        }

        if (r.Chance(0.2))
        {
            sb.Append("X-Request-Id: ").Append(new Guid(r.Bytes(16)).ToString()).Append("\r\n");
        }

        if (body is not null)
        {
            sb.Append("Content-Type: application/json\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        }

        sb.Append(r.Chance(0.5) ? "Connection: keep-alive\r\n" : "");
        sb.Append("\r\n");
        if (body is not null)
        {
            sb.Append(body);
        }

        return sb.ToString();
    }

    private static string ResponseHead(Rng r, int status, string server, string contentType, int length, long timeUs)
    {
        string reason = status switch
        {
            200 => "OK", 201 => "Created", 206 => "Partial Content", 403 => "Forbidden", 404 => "Not Found", _ => "Internal Server Error",
        };
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        if (r.Chance(0.9))
        {
            sb.Append("Server: ").Append(server).Append("\r\n");
        }

        var date = DateTimeOffset.FromUnixTimeMilliseconds(timeUs / 1000);
        sb.Append("Date: ").Append(date.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("Content-Type: ").Append(contentType).Append("\r\n");
        sb.Append("Content-Length: ").Append(length).Append("\r\n");
        if (status == 206)
        {
            sb.Append("Content-Range: bytes 0-").Append(length - 1).Append('/').Append(length * 4).Append("\r\n");
        }

        if (r.Chance(0.5))
        {
            sb.Append("Cache-Control: ").Append(r.Chance(0.5) ? "no-cache" : "max-age=3600").Append("\r\n");
        }

        if (r.Chance(0.4))
        {
            sb.Append("ETag: \"").Append(r.Hex(8)).Append("\"\r\n");
        }

        if (r.Chance(0.3))
        {
            sb.Append("Last-Modified: ").Append(date.AddDays(-r.Next(1, 400)).ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        }

        sb.Append("Connection: keep-alive\r\n\r\n");
        return sb.ToString();
    }

    private static byte[] Body(Rng r, string corpus, int length)
    {
        switch (corpus)
        {
            case "html":
                return Filler.Text(r, "html", length, $"<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{r.Pick(Names.Words)} {r.Pick(Names.Words)}</title></head>\n<body>\n", "</body>\n</html>\n");
            case "json":
                return Filler.Text(r, "json", length, "{\"items\":[", "{}]}");
            case "text":
                return Filler.Text(r, "text", length, "", "\n");
            default:
                return r.Bytes(length);
        }
    }
}
