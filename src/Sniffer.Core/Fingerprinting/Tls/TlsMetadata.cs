using System.Text.Json;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// TLS metadata: ECS <c>tls.*</c> and <c>sniffer.tls.*</c> (offered ALPN and versions, JA4, raw fingerprint
/// strings). DTLS uses the same record shape with JA4 protocol 'd' (<see cref="TlsMetadata(char)"/>).
/// A flow keeps its two hellos (each a shared shape and its SNI) and the shared fingerprint sets; every value the
/// record writes but the SNI is pre-encoded in them, so writing a record transcodes and escapes only the SNI.
/// </summary>
public sealed class TlsMetadata : ProtocolMetadata
{
    private readonly char _ja4Protocol;
    private ClientFingerprintSet? _clientFingerprints;
    private ServerFingerprintSet? _serverFingerprints;

    internal bool ClientGaveUp;
    internal bool ServerGaveUp;

    /// <param name="ja4Protocol">JA4's first character: 't' for TLS over TCP, 'd' for DTLS, 'q' for QUIC.</param>
    public TlsMetadata(char ja4Protocol = 't') => _ja4Protocol = ja4Protocol;

    public TlsHello? Client { get; internal set; }
    public TlsHello? Server { get; internal set; }
    public string? Ja3 => _clientFingerprints?.Ja3;
    public string? Ja3String => _clientFingerprints?.Ja3String;
    public string? Ja3s => _serverFingerprints?.Ja3s;
    public string? Ja3sString => _serverFingerprints?.Ja3sString;
    public string? Ja4 => _clientFingerprints?.Ja4;
    public string? Ja4Raw => _clientFingerprints?.Ja4Raw;

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

        // Kept in the hello's shared shape: the same client software gives the same fingerprints.
        _clientFingerprints = ClientFingerprints.Get(Client!, _ja4Protocol, TlsFingerprinter.EmitJa4Raw);
    }

    internal void OnServerHello()
    {
        if (!TlsFingerprinter.Fingerprints)
        {
            return;
        }

        _serverFingerprints = ClientFingerprints.GetServer(Server!);
    }

    /// <summary>The negotiated version (ServerHello supported_versions, else its legacy version), else the client's highest offer.</summary>
    public ushort? Version => Server is not null ? Server.Shape.EcsVersion() : Client?.Shape.EcsVersion();

    /// <summary>Property names, encoded once (the writer then copies them without an escape scan).</summary>
    internal static class Names
    {
        public static readonly JsonEncodedText Tls = JsonEncodedText.Encode("tls");
        public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
        public static readonly JsonEncodedText VersionProtocol = JsonEncodedText.Encode("version_protocol");
        public static readonly JsonEncodedText Cipher = JsonEncodedText.Encode("cipher");
        public static readonly JsonEncodedText NextProtocol = JsonEncodedText.Encode("next_protocol");
        public static readonly JsonEncodedText Client = JsonEncodedText.Encode("client");
        public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
        public static readonly JsonEncodedText ServerName = JsonEncodedText.Encode("server_name");
        public static readonly JsonEncodedText SupportedCiphers = JsonEncodedText.Encode("supported_ciphers");
        public static readonly JsonEncodedText SupportedVersions = JsonEncodedText.Encode("supported_versions");
        public static readonly JsonEncodedText Alpn = JsonEncodedText.Encode("alpn");
        public static readonly JsonEncodedText Ja3 = JsonEncodedText.Encode("ja3");
        public static readonly JsonEncodedText Ja3s = JsonEncodedText.Encode("ja3s");
        public static readonly JsonEncodedText Ja4 = JsonEncodedText.Encode("ja4");
        public static readonly JsonEncodedText Ja4Raw = JsonEncodedText.Encode("ja4_r");
        public static readonly JsonEncodedText Ja3String = JsonEncodedText.Encode("ja3_string");
        public static readonly JsonEncodedText Ja3sString = JsonEncodedText.Encode("ja3s_string");
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (!TryWriteEcsRaw(writer))
        {
            WriteEcsMembers(writer);
        }
    }

    /// <summary><c>tls</c> member by member through the writer (it escapes the server name).</summary>
    internal void WriteEcsMembers(Utf8JsonWriter writer)
    {
        var w = writer;
        w.WriteStartObject(Names.Tls);
        if ((Server ?? Client)?.Shape.Names is { } version)
        {
            w.WriteString(Names.Version, version.Version);
            w.WriteString(Names.VersionProtocol, version.Protocol);
        }

        if (Server is not null)
        {
            w.WriteString(Names.Cipher, Server.Shape.Names.FirstCipher);
            var alpn = Server.Shape.AlpnJson;
            if (alpn.Length > 0)
            {
                w.WriteString(Names.NextProtocol, alpn[0]);
            }
        }

        if (Client is not null)
        {
            w.WriteStartObject(Names.Client);
            if (Client.ServerName is not null)
            {
                w.WriteString(Names.ServerName, Client.ServerName);
            }

            WriteSupportedCiphers(w, Client);
            if (_clientFingerprints is { } fingerprints)
            {
                w.WriteString(Names.Ja3, fingerprints.Ja3Json);
            }

            w.WriteEndObject();
        }

        if (_serverFingerprints is { } server)
        {
            w.WriteStartObject(Names.Server);
            w.WriteString(Names.Ja3s, server.Ja3sJson);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// <c>tls</c> as one raw value assembled from the shapes' and fingerprint sets' pre-encoded pieces (the same
    /// bytes as <see cref="WriteEcs"/>'s member-by-member path); false, with nothing written, when the server name
    /// needs the writer's escaping.
    /// </summary>
    internal bool TryWriteEcsRaw(Utf8JsonWriter w)
    {
        if (Client is not null && (_clientFingerprints is null || !Client.Shape.Shared))
        {
            return false; // fingerprints off, or a shape seen once: nothing pre-rendered for the client
        }

        byte[]? head = (Server ?? Client)?.Shape.Names.EcsHead;
        string? sni = Client?.ServerName;
        byte[]? clientTail = Client is null ? null : _clientFingerprints!.EcsClientTail(Client);
        byte[]? server = _serverFingerprints?.EcsServer;
        var j = new TlsRawJson(TlsRawJson.Overhead + (head?.Length ?? 0) + (sni?.Length ?? 0) + (clientTail?.Length ?? 0) + (server?.Length ?? 0));
        j.Open();
        if (head is not null)
        {
            j.Members(head);
        }

        if (clientTail is not null)
        {
            j.Name(Names.Client);
            j.Open();
            if (sni is not null)
            {
                j.Name(Names.ServerName);
                if (!j.TryAsciiString(sni))
                {
                    return false;
                }
            }

            j.Members(clientTail); // ends the client object
        }

        if (server is not null)
        {
            j.Members(server);
        }

        j.Close();
        w.WritePropertyName(Names.Tls);
        w.WriteRawValue(j.Written, skipInputValidation: true);
        return true;
    }

    /// <summary><c>supported_ciphers</c>: the names' JSON array, built once per distinct list (kept in a shared shape).</summary>
    internal static void WriteSupportedCiphers(Utf8JsonWriter w, TlsHello client)
    {
        var shape = client.Shape;
        w.WritePropertyName(Names.SupportedCiphers);
        w.WriteRawValue(shape.SupportedCiphersJson(), skipInputValidation: true);
    }

    /// <summary>
    /// The members of <c>sniffer.tls.client</c>: legacy and supported versions (when the hello was read), offered
    /// ALPN, JA4 (and raw), the JA3 string. Shared with QUIC, whose hello may be known only in part: then only the
    /// ALPN ids read from its first datagram (<paramref name="partialAlpn"/>).
    /// </summary>
    internal static void WriteClientFields(Utf8JsonWriter w, TlsHello? client, IReadOnlyList<string>? partialAlpn, ClientFingerprintSet? fingerprints)
    {
        if (client is not null)
        {
            w.WriteString(Names.Version, TlsNames.VersionJson(client.LegacyVersion));
            var versions = client.SupportedVersions;
            if (versions.Length > 0)
            {
                w.WriteStartArray(Names.SupportedVersions);
                foreach (ushort v in versions)
                {
                    if (!TlsHelloParser.IsGrease(v))
                    {
                        w.WriteStringValue(TlsNames.VersionJson(v));
                    }
                }

                w.WriteEndArray();
            }

            var alpn = client.Shape.AlpnJson;
            if (alpn.Length > 0)
            {
                w.WriteStartArray(Names.Alpn);
                foreach (var a in alpn)
                {
                    w.WriteStringValue(a);
                }

                w.WriteEndArray();
            }
        }
        else if (partialAlpn is { Count: > 0 })
        {
            w.WriteStartArray(Names.Alpn);
            foreach (var a in partialAlpn)
            {
                w.WriteStringValue(a);
            }

            w.WriteEndArray();
        }

        if (fingerprints is not null)
        {
            w.WriteString(Names.Ja4, fingerprints.Ja4Json);
            if (client?.Shape.Shared == true)
            {
                if (fingerprints.Ja4Raw is not null)
                {
                    w.WriteString(Names.Ja4Raw, fingerprints.Ja4RawJson);
                }

                w.WriteString(Names.Ja3String, fingerprints.Ja3StringJson);
            }
            else
            {
                // A one-off shape: the long strings are escaped as they are written, not kept encoded.
                if (fingerprints.Ja4Raw is not null)
                {
                    w.WriteString(Names.Ja4Raw, fingerprints.Ja4Raw);
                }

                w.WriteString(Names.Ja3String, fingerprints.Ja3String);
            }
        }
    }

    /// <summary><c>"client":{…}</c> of <c>sniffer.tls</c>: pre-rendered once per shared shape when the hello is complete and fingerprinted.</summary>
    internal static void WriteClientObject(Utf8JsonWriter w, TlsHello? client, IReadOnlyList<string>? partialAlpn, ClientFingerprintSet? fingerprints)
    {
        if (client is not null && fingerprints is not null && client.Shape.Shared)
        {
            w.WritePropertyName(Names.Client);
            w.WriteRawValue(fingerprints.ClientObjectJson(client), skipInputValidation: true);
            return;
        }

        w.WriteStartObject(Names.Client);
        WriteClientFields(w, client, partialAlpn, fingerprints);
        w.WriteEndObject();
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (!TryWriteSnifferRaw(writer))
        {
            WriteSnifferMembers(writer);
        }
    }

    /// <summary><c>sniffer.tls</c> as one raw value when every piece is pre-encoded (the client's fingerprints are known).</summary>
    internal bool TryWriteSnifferRaw(Utf8JsonWriter w)
    {
        if (Client is not null && (_clientFingerprints is null || !Client.Shape.Shared) || Server is not null && (_serverFingerprints is null || !Server.Shape.Shared))
        {
            return false; // fingerprints off, or a client shape seen once: nothing pre-rendered
        }

        byte[]? client = Client is null ? null : _clientFingerprints!.ClientObjectJson(Client);
        byte[]? server = Server is null ? null : _serverFingerprints!.SnifferServer(Server);
        var j = new TlsRawJson(TlsRawJson.Overhead + (client?.Length ?? 0) + (server?.Length ?? 0));
        j.Open();
        if (client is not null)
        {
            j.Name(Names.Client);
            j.Raw(client);
        }

        if (server is not null)
        {
            j.Members(server);
        }

        j.Close();
        w.WritePropertyName(Names.Tls);
        w.WriteRawValue(j.Written, skipInputValidation: true);
        return true;
    }

    /// <summary><c>sniffer.tls</c> member by member through the writer.</summary>
    internal void WriteSnifferMembers(Utf8JsonWriter writer)
    {
        var w = writer;
        w.WriteStartObject(Names.Tls);
        if (Client is not null)
        {
            WriteClientObject(w, Client, null, _clientFingerprints);
        }

        if (Server is not null)
        {
            w.WriteStartObject(Names.Server);
            w.WriteString(Names.Version, Server.Shape.Names.LegacyVersion);
            if (_serverFingerprints is { } server)
            {
                if (Server.Shape.Shared)
                {
                    w.WriteString(Names.Ja3sString, server.Ja3sStringJson);
                }
                else
                {
                    w.WriteString(Names.Ja3sString, server.Ja3sString);
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public override void CollectFingerprints(ICollection<string> fingerprints)
    {
        if (_clientFingerprints is { } client)
        {
            fingerprints.Add(client.Ja4Key);
            fingerprints.Add(client.Ja3Key);
        }

        if (_serverFingerprints is { } server)
        {
            fingerprints.Add(server.Ja3sKey);
        }
    }
}
