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
    public string? Ja3 => _fingerprints?.Ja3;
    public string? Ja3String => _fingerprints?.Ja3String;
    public string? Ja4 => _fingerprints?.Ja4;
    public string? Ja4Raw => _fingerprints?.Ja4Raw;
    private ClientFingerprintSet? _fingerprints;
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

        // Kept in the hello's shared shape, as for TLS over TCP (JA4 protocol 'q').
        _fingerprints = ClientFingerprints.Get(hello, 'q', TlsFingerprinter.EmitJa4Raw);
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
            w.WriteStartObject(TlsMetadata.Names.Tls);
            if (TlsVersion is ushort version)
            {
                w.WriteString(TlsMetadata.Names.Version, TlsNames.VersionJson(version));
                w.WriteString(TlsMetadata.Names.VersionProtocol, TlsNames.ProtocolJson(version));
            }

            w.WriteStartObject(TlsMetadata.Names.Client);
            if (ServerName is not null)
            {
                w.WriteString(TlsMetadata.Names.ServerName, ServerName);
            }

            if (Client is not null)
            {
                TlsMetadata.WriteSupportedCiphers(w, Client);
            }

            if (_fingerprints is { } fingerprints)
            {
                w.WriteString(TlsMetadata.Names.Ja3, fingerprints.Ja3Json);
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

        if (Client is null && (PartialAlpn is null || PartialAlpn.Count == 0))
        {
            return;
        }

        w.WriteStartObject(TlsMetadata.Names.Tls);
        TlsMetadata.WriteClientObject(w, Client, PartialAlpn, _fingerprints);
        w.WriteEndObject();
    }

    public override void CollectFingerprints(ICollection<string> fingerprints)
    {
        if (_fingerprints is { } set)
        {
            fingerprints.Add(set.Ja4Key);
            fingerprints.Add(set.Ja3Key);
        }
    }
}
