using System.Text.Json;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// TLS metadata: ECS <c>tls.*</c> and <c>sniffer.tls.*</c> (offered ALPN and versions, JA4, raw fingerprint
/// strings). DTLS uses the same record shape with JA4 protocol 'd' (<see cref="TlsMetadata(char)"/>).
/// </summary>
public sealed class TlsMetadata : ProtocolMetadata
{
    private readonly char _ja4Protocol;

    internal bool ClientGaveUp;
    internal bool ServerGaveUp;

    /// <param name="ja4Protocol">JA4's first character: 't' for TLS over TCP, 'd' for DTLS, 'q' for QUIC.</param>
    public TlsMetadata(char ja4Protocol = 't') => _ja4Protocol = ja4Protocol;

    public TlsHello? Client { get; internal set; }
    public TlsHello? Server { get; internal set; }
    public string? Ja3 { get; private set; }
    public string? Ja3String { get; private set; }
    public string? Ja3s { get; private set; }
    public string? Ja3sString { get; private set; }
    public string? Ja4 { get; private set; }
    public string? Ja4Raw { get; private set; }

    internal void OnClientHello()
    {
        if (_ja4Protocol == 't' && Tor.TorShape.Matches(Client!))
        {
            SwitchedProtocol = "tor";
        }

        if (!TlsFingerprinter.Fingerprints)
        {
            return;
        }

        // Memoised per worker by the hello's lists: the same client software gives the same fingerprints.
        var set = ClientFingerprints.Get(Client!, _ja4Protocol, TlsFingerprinter.EmitJa4Raw);
        Ja3String = set.Ja3String;
        Ja3 = set.Ja3;
        Ja4 = set.Ja4;
        Ja4Raw = set.Ja4Raw;
    }

    internal void OnServerHello()
    {
        if (!TlsFingerprinter.Fingerprints)
        {
            return;
        }

        Ja3sString = Tls.Ja3.ServerString(Server!);
        Ja3s = Tls.Ja3.Hash(Ja3sString);
    }

    /// <summary>The negotiated version (ServerHello supported_versions, else its legacy version), else the client's highest offer.</summary>
    public ushort? Version
    {
        get
        {
            if (Server is not null)
            {
                return Server.SupportedVersions.Count > 0 ? Server.SupportedVersions[0] : Server.LegacyVersion;
            }

            if (Client is null)
            {
                return null;
            }

            ushort best = Client.LegacyVersion;
            foreach (ushort v in Client.SupportedVersions)
            {
                if (!TlsHelloParser.IsGrease(v) && (v >> 8) == (best >> 8) && Tls.Ja4.Rank(v) > Tls.Ja4.Rank(best))
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
        w.WriteStartObject("tls"u8);
        if (Version is ushort version)
        {
            w.WriteString("version"u8, TlsNames.VersionJson(version));
            w.WriteString("version_protocol"u8, TlsNames.Protocol(version));
        }

        if (Server is not null)
        {
            w.WriteString("cipher"u8, TlsNames.CipherJson(Server.CipherSuites[0]));
            if (Server.Alpn.Count > 0)
            {
                w.WriteString("next_protocol"u8, Server.Alpn[0]);
            }
        }

        if (Client is not null)
        {
            w.WriteStartObject("client"u8);
            if (Client.ServerName is not null)
            {
                w.WriteString("server_name"u8, Client.ServerName);
            }

            w.WritePropertyName("supported_ciphers"u8);
            w.WriteRawValue(TlsNames.CipherListJson(Client.CipherSuites), skipInputValidation: true);
            if (Ja3 is not null)
            {
                w.WriteString("ja3"u8, Ja3);
            }

            w.WriteEndObject();
        }

        if (Ja3s is not null)
        {
            w.WriteStartObject("server"u8);
            w.WriteString("ja3s"u8, Ja3s);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// The members of <c>sniffer.tls.client</c>: legacy and supported versions (when the hello was read), offered
    /// ALPN, JA4 (and raw), the JA3 string. Shared with QUIC, whose hello may be known only in part.
    /// </summary>
    internal static void WriteClientFields(Utf8JsonWriter w, TlsHello? client, IReadOnlyList<string>? alpn, string? ja4, string? ja4Raw, string? ja3String)
    {
        if (client is not null)
        {
            w.WriteString("version"u8, TlsNames.VersionJson(client.LegacyVersion));
            if (client.SupportedVersions.Count > 0)
            {
                w.WriteStartArray("supported_versions"u8);
                foreach (ushort v in client.SupportedVersions)
                {
                    if (!TlsHelloParser.IsGrease(v))
                    {
                        w.WriteStringValue(TlsNames.VersionJson(v));
                    }
                }

                w.WriteEndArray();
            }
        }

        if (alpn is { Count: > 0 })
        {
            w.WriteStartArray("alpn"u8);
            foreach (var a in alpn)
            {
                w.WriteStringValue(a);
            }

            w.WriteEndArray();
        }

        if (ja4 is not null)
        {
            w.WriteString("ja4"u8, ja4);
        }

        if (ja4Raw is not null)
        {
            w.WriteString("ja4_r"u8, ja4Raw);
        }

        if (ja3String is not null)
        {
            w.WriteString("ja3_string"u8, ja3String);
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        var w = writer;
        w.WriteStartObject("tls"u8);
        if (Client is not null)
        {
            w.WriteStartObject("client"u8);
            WriteClientFields(w, Client, Client.Alpn, Ja4, Ja4Raw, Ja3String);
            w.WriteEndObject();
        }

        if (Server is not null)
        {
            w.WriteStartObject("server"u8);
            w.WriteString("version"u8, TlsNames.VersionJson(Server.LegacyVersion));
            if (Ja3sString is not null)
            {
                w.WriteString("ja3s_string"u8, Ja3sString);
            }

            w.WriteEndObject();
        }

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

        if (Ja3s is not null)
        {
            fingerprints.Add("ja3s:" + Ja3s);
        }
    }
}
