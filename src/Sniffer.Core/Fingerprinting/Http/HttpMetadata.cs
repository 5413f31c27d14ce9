using System.Text.Json;

namespace Sniffer.Fingerprinting.Http;

/// <summary>What the first HTTP request and response reveal. ECS: http.*, url.*, user_agent.*; sniffer.http.server.</summary>
public sealed class HttpMetadata : ProtocolMetadata
{
    /// <summary>Upgrade header kept (<c>websocket</c>, <c>h2c</c>).</summary>
    public const int MaxUpgradeLength = 64;
    /// <summary>Content-Type without parameters (RFC 6838 names are at most 127 characters).</summary>
    public const int MaxMimeTypeLength = 128;
    /// <summary>Host header (a DNS name is at most 255 bytes).</summary>
    public const int MaxDomainLength = 255;
    /// <summary>First product name of User-Agent (<c>user_agent.name</c>).</summary>
    public const int MaxProductNameLength = 128;
    /// <summary>First product version of User-Agent (<c>user_agent.version</c>).</summary>
    public const int MaxProductVersionLength = 64;
    /// <summary>Longest request target kept in url.original.</summary>
    public const int MaxUrlLength = 2048;
    /// <summary>Longest header value kept (User-Agent, Server, Host, Referer...).</summary>
    public const int MaxHeaderValueLength = 1024;

    internal bool RequestParsed;
    internal bool ResponseParsed;

    public string? Method { get; private set; }
    public string? Original { get; private set; }
    public string? Path { get; private set; }
    public string? Query { get; private set; }
    public string? Domain { get; private set; }
    public int? Port { get; private set; }
    public string? UserAgent { get; private set; }
    public string? UserAgentName { get; private set; }
    public string? UserAgentVersion { get; private set; }
    public string? Referrer { get; private set; }
    public string? Version { get; private set; }
    public int? StatusCode { get; private set; }
    public string? MimeType { get; private set; }
    public string? Server { get; private set; }
    /// <summary>The Upgrade header of the request (websocket, h2c...).</summary>
    public string? Upgrade { get; private set; }

    internal void SetRequestLine(ReadOnlySpan<byte> message, in HttpStartLine line)
    {
        Method ??= WireText.Decode(message[line.Method], HttpParser.MaxMethodLength);
        Version ??= line.MinorVersion == 0 ? "1.0" : line.MinorVersion == 1 ? "1.1" : $"1.{line.MinorVersion}";
        if (Original is not null)
        {
            return;
        }

        var target = message[line.Target];
        Original = WireText.Decode(target, MaxUrlLength);
        // absolute-form (proxies): scheme://authority/path
        int scheme = target.IndexOf("://"u8);
        if (scheme > 0 && target[0] != (byte)'/')
        {
            var afterScheme = target[(scheme + 3)..];
            int slash = afterScheme.IndexOf((byte)'/');
            SetHost(slash < 0 ? afterScheme : afterScheme[..slash]);
            target = slash < 0 ? "/"u8 : afterScheme[slash..];
        }

        int q = target.IndexOf((byte)'?');
        Path = WireText.Decode(q < 0 ? target : target[..q], MaxUrlLength);
        if (q >= 0 && q + 1 < target.Length)
        {
            Query = WireText.Decode(target[(q + 1)..], MaxUrlLength);
        }
    }

    internal void SetStatusLine(in HttpStartLine line)
    {
        StatusCode ??= line.StatusCode;
        if (line.StatusCode == 101 && Upgrade is not null)
        {
            // RFC 9110 §7.8: the connection now speaks the upgraded protocol.
            SwitchedProtocol = Upgrade.Contains("websocket", StringComparison.OrdinalIgnoreCase) ? "websocket"
                : Upgrade.StartsWith("h2c", StringComparison.OrdinalIgnoreCase) ? "http2" : null;
        }

        Version ??= line.MinorVersion == 0 ? "1.0" : line.MinorVersion == 1 ? "1.1" : $"1.{line.MinorVersion}";
    }

    internal void SetHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool request)
    {
        if (request)
        {
            if (Is(name, "host"u8) && Domain is null)
            {
                SetHost(value);
            }
            else if (Is(name, "user-agent"u8) && UserAgent is null)
            {
                UserAgent = WireText.Decode(value, MaxHeaderValueLength);
                (UserAgentName, UserAgentVersion) = FirstProduct(value);
            }
            else if (Is(name, "referer"u8) && Referrer is null)
            {
                Referrer = WireText.Decode(value, MaxUrlLength);
            }
            else if (Is(name, "upgrade"u8) && Upgrade is null)
            {
                Upgrade = WireText.Decode(value, MaxUpgradeLength);
            }
        }
        else if (Is(name, "server"u8) && Server is null)
        {
            Server = WireText.Decode(value, MaxHeaderValueLength);
            var (product, version) = FirstProduct(value);
            ApplicationName = product;
            ApplicationVersion = version;
        }
        else if (Is(name, "content-type"u8) && MimeType is null)
        {
            int semi = value.IndexOf((byte)';');
            MimeType = WireText.Decode((semi < 0 ? value : value[..semi]).Trim((byte)' '), MaxMimeTypeLength);
        }
    }

    private void SetHost(ReadOnlySpan<byte> host)
    {
        // host [":" port], IPv6 literal in brackets
        int colon = host.LastIndexOf((byte)':');
        int bracket = host.LastIndexOf((byte)']');
        if (colon > bracket && colon >= 0)
        {
            if (int.TryParse(host[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536)
            {
                Port = port;
            }

            host = host[..colon];
        }

        Domain = WireText.Decode(host.Trim("[]"u8), MaxDomainLength);
    }

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase) =>
        name.Length == lowerCase.Length && System.Text.Ascii.EqualsIgnoreCase(name, lowerCase);

    /// <summary>The first <c>product[/version]</c> token of a User-Agent or Server value.</summary>
    internal static (string? Name, string? Version) FirstProduct(ReadOnlySpan<byte> value)
    {
        int end = value.IndexOfAny(" ("u8);
        var token = end < 0 ? value : value[..end];
        if (token.IsEmpty)
        {
            return (null, null);
        }

        int slash = token.IndexOf((byte)'/');
        return slash < 0
            ? (WireText.Decode(token, MaxProductNameLength), null)
            : (WireText.Decode(token[..slash], MaxProductNameLength), slash + 1 < token.Length ? WireText.Decode(token[(slash + 1)..], MaxProductVersionLength) : null);
    }

    /// <summary>
    /// A CONNECT answered with 2xx opens a tunnel (RFC 9110 §9.3.6): what follows each side's header block is
    /// another protocol — TLS in practice (HTTPS through a proxy), though any may run there.
    /// </summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Method != "CONNECT" || StatusCode is not (>= 200 and < 300))
        {
            return InnerStart.None;
        }

        int c = client.IndexOf("\r\n\r\n"u8);
        int s = server.IndexOf("\r\n\r\n"u8);
        return c < 0 || s < 0 ? InnerStart.None : new InnerStart(InnerKind.Any, c + 4, s + 4);
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        var w = new Output.JsonRun(writer);
        w.StartObject(JsonNames.Http);
        if (Version is not null)
        {
            w.String(JsonNames.Version, Version);
        }

        if (Method is not null || Referrer is not null)
        {
            w.StartObject(JsonNames.Request);
            if (Method is not null)
            {
                w.String(JsonNames.Method, Method);
            }

            if (Referrer is not null)
            {
                w.String(JsonNames.Referrer, Referrer);
            }

            w.EndObject();
        }

        if (StatusCode is not null || MimeType is not null)
        {
            w.StartObject(JsonNames.Response);
            if (StatusCode is int code)
            {
                w.Number(JsonNames.StatusCode, code);
            }

            if (MimeType is not null)
            {
                w.String(JsonNames.MimeType, MimeType);
            }

            w.EndObject();
        }

        w.EndObject();

        if (Original is not null || Domain is not null)
        {
            w.StartObject(JsonNames.Url);
            if (Original is not null)
            {
                w.String(JsonNames.Original, Original);
            }

            if (Path is not null)
            {
                w.String(JsonNames.Path, Path);
            }

            if (Query is not null)
            {
                w.String(JsonNames.Query, Query);
            }

            if (Domain is not null)
            {
                w.String(JsonNames.Domain, Domain);
            }

            if (Port is int port)
            {
                w.Number(JsonNames.Port, port);
            }

            w.EndObject();
        }

        if (UserAgent is not null)
        {
            w.StartObject(JsonNames.UserAgent);
            w.String(JsonNames.Original, UserAgent);
            if (UserAgentName is not null)
            {
                w.String(JsonNames.Name, UserAgentName);
            }

            if (UserAgentVersion is not null)
            {
                w.String(JsonNames.Version, UserAgentVersion);
            }

            w.EndObject();
        }

        w.Flush();
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Server is null && Upgrade is null)
        {
            return;
        }

        var w = new Output.JsonRun(writer);
        w.StartObject(JsonNames.Http);
        if (Server is not null)
        {
            w.String(JsonNames.Server, Server);
        }

        if (Upgrade is not null)
        {
            w.String(JsonNames.Upgrade, Upgrade);
        }

        w.EndObject();

        w.Flush();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Domain = JsonEncodedText.Encode("domain");
    public static readonly JsonEncodedText Http = JsonEncodedText.Encode("http");
    public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
    public static readonly JsonEncodedText MimeType = JsonEncodedText.Encode("mime_type");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Original = JsonEncodedText.Encode("original");
    public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
    public static readonly JsonEncodedText Port = JsonEncodedText.Encode("port");
    public static readonly JsonEncodedText Query = JsonEncodedText.Encode("query");
    public static readonly JsonEncodedText Referrer = JsonEncodedText.Encode("referrer");
    public static readonly JsonEncodedText Request = JsonEncodedText.Encode("request");
    public static readonly JsonEncodedText Response = JsonEncodedText.Encode("response");
    public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
    public static readonly JsonEncodedText StatusCode = JsonEncodedText.Encode("status_code");
    public static readonly JsonEncodedText Upgrade = JsonEncodedText.Encode("upgrade");
    public static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
    public static readonly JsonEncodedText UserAgent = JsonEncodedText.Encode("user_agent");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
