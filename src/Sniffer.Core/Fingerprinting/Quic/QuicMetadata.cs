using System.Text.Json;
using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Fingerprinting.Quic;

/// <summary>
/// QUIC metadata: ECS <c>tls.*</c> from the ClientHello carried in the client Initial (as for TLS over TCP),
/// <c>sniffer.quic.*</c> (version, connection IDs) and <c>sniffer.tls.client.*</c> (ALPN, JA4 with 'q').
/// For Google QUIC the CHLO tags give the server name and the user agent (<c>user_agent.original</c>).
/// </summary>
public sealed class QuicMetadata : ProtocolMetadata
{
    /// <summary>Longest user agent kept from a gQUIC UAID tag.</summary>
    public const int MaxUserAgentLength = 256;

    public string? Version { get; internal set; }
    public string? Dcid { get; internal set; }
    public string? Scid { get; internal set; }
    /// <summary>The complete ClientHello, when the first Initial held all of it.</summary>
    public TlsHello? Client { get; internal set; }
    /// <summary>Server name from a ClientHello cut at the datagram end or from a gQUIC CHLO.</summary>
    public string? ServerName { get; internal set; }
    /// <summary>ALPN from a ClientHello cut at the datagram end.</summary>
    public List<string>? PartialAlpn { get; internal set; }
    public string? UserAgent { get; internal set; }
    /// <summary>True when the ClientHello continues in a later datagram (no JA3/JA4 then).</summary>
    public bool HelloTruncated { get; internal set; }
    public string? Ja3 { get; private set; }
    public string? Ja3String { get; private set; }
    public string? Ja4 { get; private set; }
    public string? Ja4Raw { get; private set; }
    /// <summary>The client's CRYPTO stream while the ClientHello is still incomplete, else null.</summary>
    internal QuicCryptoStream? PendingHello;
    internal bool ClientDone;

    public override bool WantsLaterDatagrams => PendingHello is not null;

    public override void OnLaterDatagram(ReadOnlySpan<byte> datagram, bool fromClient)
    {
        if (fromClient)
        {
            QuicFingerprinter.ContinueHello(datagram, this);
        }
    }
    internal bool ServerDone;

    internal void OnClientHello(TlsHello hello)
    {
        Client = hello;
        ServerName = hello.ServerName;
        if (!TlsFingerprinter.Fingerprints)
        {
            return;
        }

        Ja3String = Tls.Ja3.ClientString(hello);
        Ja3 = Tls.Ja3.Hash(Ja3String);
        Ja4 = Tls.Ja4.Compute(hello, 'q');
        if (TlsFingerprinter.EmitJa4Raw)
        {
            Ja4Raw = Tls.Ja4.Raw(hello, 'q');
        }
    }

    internal void SetUserAgent(string userAgent)
    {
        UserAgent = userAgent;
        // Chrome's UAID: "Chrome/74.0.3729.157 Android 8.0.0; BND-L21".
        int slash = userAgent.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            int end = userAgent.IndexOf(' ', slash);
            string version = end < 0 ? userAgent[(slash + 1)..] : userAgent[(slash + 1)..end];
            if (version.Length > 0 && char.IsAsciiDigit(version[0]))
            {
                ApplicationName = userAgent[..slash];
                ApplicationVersion = version;
            }
        }
    }

    /// <summary>The client's highest offered TLS version (QUIC always runs TLS 1.3).</summary>
    private ushort? TlsVersion
    {
        get
        {
            if (Client is null)
            {
                return null;
            }

            ushort best = Client.LegacyVersion;
            foreach (ushort v in Client.SupportedVersions)
            {
                if (!TlsHelloParser.IsGrease(v) && (v >> 8) == 3 && v > best)
                {
                    best = v;
                }
            }

            return best;
        }
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        var w = writer;
        if (Client is null && ServerName is null && UserAgent is null)
        {
            return;
        }

        if (Client is not null || ServerName is not null)
        {
            w.WriteStartObject("tls"u8);
            if (TlsVersion is ushort version)
            {
                w.WriteString("version"u8, TlsNames.Version(version));
                w.WriteString("version_protocol"u8, TlsNames.Protocol(version));
            }

            w.WriteStartObject("client"u8);
            if (ServerName is not null)
            {
                w.WriteString("server_name"u8, ServerName);
            }

            if (Client is not null)
            {
                w.WriteStartArray("supported_ciphers"u8);
                foreach (ushort c in Client.CipherSuites)
                {
                    if (!TlsHelloParser.IsGrease(c))
                    {
                        w.WriteStringValue(TlsNames.Cipher(c));
                    }
                }

                w.WriteEndArray();
            }

            if (Ja3 is not null)
            {
                w.WriteString("ja3"u8, Ja3);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        if (UserAgent is not null)
        {
            w.WriteStartObject("user_agent"u8);
            w.WriteString("original"u8, UserAgent);
            w.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        var w = writer;
        w.WriteStartObject("quic"u8);
        if (Version is not null)
        {
            w.WriteString("version"u8, Version);
        }

        if (Dcid is not null)
        {
            w.WriteString("dcid"u8, Dcid);
        }

        if (Scid is not null)
        {
            w.WriteString("scid"u8, Scid);
        }

        if (HelloTruncated)
        {
            w.WriteBoolean("client_hello_truncated"u8, true);
        }

        w.WriteEndObject();

        var alpn = Client is not null ? Client.Alpn : PartialAlpn;
        if (Client is null && (alpn is null || alpn.Count == 0))
        {
            return;
        }

        w.WriteStartObject("tls"u8);
        w.WriteStartObject("client"u8);
        TlsMetadata.WriteClientFields(w, Client, alpn, Ja4, Ja4Raw, Ja3String);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public override void CollectFingerprints(ICollection<string> fingerprints)
    {
        if (Ja4 is not null)
        {
            fingerprints.Add("ja4:" + Ja4);
        }

        if (Ja3 is not null)
        {
            fingerprints.Add("ja3:" + Ja3);
        }
    }
}
