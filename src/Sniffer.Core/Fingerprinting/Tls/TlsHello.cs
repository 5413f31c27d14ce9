using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// The fields of a ClientHello or ServerHello that identification, fingerprints and the record use: one per flow
/// and side. Everything but the server name lives in a <see cref="TlsHelloShape"/> that the flows of one client
/// (or server) software share, so a flow keeps two references and its SNI.
/// </summary>
public sealed class TlsHello
{
    /// <summary>Most values kept per list (cipher suites, extensions, groups, signature algorithms, versions, point formats).</summary>
    public const int MaxListEntries = 256;
    /// <summary>Most ALPN protocol ids kept.</summary>
    public const int MaxAlpnEntries = 16;

    internal TlsHello(TlsHelloShape shape, string? serverName)
    {
        Shape = shape;
        ServerName = serverName;
    }

    /// <summary>A hello built from its values (tests, benchmarks); lists longer than <see cref="MaxListEntries"/> are cut.</summary>
    public TlsHello(bool isClient, ushort legacyVersion, ReadOnlySpan<ushort> cipherSuites, ReadOnlySpan<ushort> extensions = default,
        ReadOnlySpan<ushort> supportedGroups = default, ReadOnlySpan<byte> pointFormats = default, ReadOnlySpan<ushort> signatureAlgorithms = default,
        ReadOnlySpan<ushort> supportedVersions = default, IReadOnlyList<string>? alpn = null, byte[]? firstAlpnRaw = null, string? serverName = null)
    {
        Span<ushort> formats = stackalloc ushort[Math.Min(pointFormats.Length, MaxListEntries)];
        for (int i = 0; i < formats.Length; i++)
        {
            formats[i] = pointFormats[i];
        }

        Span<int> counts = stackalloc int[TlsHelloShape.Lists];
        var values = new List<ushort>();
        void Append(ReadOnlySpan<ushort> list, int index, Span<int> counts)
        {
            counts[index] = Math.Min(list.Length, MaxListEntries);
            values.AddRange(list[..counts[index]]);
        }

        Append(cipherSuites, TlsHelloShape.CipherList, counts);
        Append(extensions, TlsHelloShape.ExtensionList, counts);
        Append(supportedGroups, TlsHelloShape.GroupList, counts);
        Append(signatureAlgorithms, TlsHelloShape.SignatureList, counts);
        Append(supportedVersions, TlsHelloShape.VersionList, counts);
        Append(formats, TlsHelloShape.PointFormatList, counts);
        firstAlpnRaw ??= alpn is { Count: > 0 } ? System.Text.Encoding.UTF8.GetBytes(alpn[0]) : null;
        Shape = new TlsHelloShape(isClient, legacyVersion, [.. values], counts, alpn?.ToArray() ?? [],
            firstAlpnRaw is { Length: > 0 } ? TlsHelloShape.AlpnEnds(firstAlpnRaw[0], firstAlpnRaw[^1]) : 0);
        ServerName = serverName;
    }

    internal readonly TlsHelloShape Shape;

    public bool IsClient => Shape.IsClient;
    public ushort LegacyVersion => Shape.LegacyVersion;
    public ReadOnlySpan<ushort> CipherSuites => Shape.List(TlsHelloShape.CipherList);
    public ReadOnlySpan<ushort> Extensions => Shape.List(TlsHelloShape.ExtensionList);
    public ReadOnlySpan<ushort> SupportedGroups => Shape.List(TlsHelloShape.GroupList);
    public ReadOnlySpan<ushort> SignatureAlgorithms => Shape.List(TlsHelloShape.SignatureList);
    public ReadOnlySpan<ushort> SupportedVersions => Shape.List(TlsHelloShape.VersionList);
    /// <summary>EC point formats (one byte each on the wire).</summary>
    public ReadOnlySpan<ushort> PointFormats => Shape.List(TlsHelloShape.PointFormatList);
    /// <summary>Offered (client) or selected (server) ALPN ids, decoded with <see cref="WireText"/>.</summary>
    public IReadOnlyList<string> Alpn => Shape.Alpn;
    /// <summary>True when an ALPN id was offered (JA4 looks at the first and last byte of the first one).</summary>
    public bool HasAlpn => Shape.AlpnFirstLast != 0;
    public string? ServerName { get; }
}

/// <summary>
/// Everything of a hello except its server name: version, the lists (in one exact-size array), the ALPN ids and,
/// computed on first use, the fingerprints and the JSON the record writes. Interned per worker by
/// <see cref="TlsHelloParser"/> (the same software sends the same lists with every connection), so it is shared by
/// flows and must not change once built — except the lazily set caches, which every thread would set alike.
/// </summary>
internal sealed class TlsHelloShape
{
    public const int Lists = 6;
    public const int CipherList = 0;
    public const int ExtensionList = 1;
    public const int GroupList = 2;
    public const int SignatureList = 3;
    public const int VersionList = 4;
    public const int PointFormatList = 5;

    private static readonly JsonEncodedText[] NoAlpn = [];

    private readonly ushort[] _values;
    // End of each list in _values (list i spans [_ends[i-1], _ends[i])); MaxListEntries * Lists fits a ushort.
    private readonly ushort _end0, _end1, _end2, _end3, _end4, _end5;

    public TlsHelloShape(bool isClient, ushort legacyVersion, ushort[] values, ReadOnlySpan<int> counts, string[] alpn, int alpnFirstLast)
    {
        IsClient = isClient;
        LegacyVersion = legacyVersion;
        _values = values;
        _end0 = (ushort)counts[0];
        _end1 = (ushort)(_end0 + counts[1]);
        _end2 = (ushort)(_end1 + counts[2]);
        _end3 = (ushort)(_end2 + counts[3]);
        _end4 = (ushort)(_end3 + counts[4]);
        _end5 = (ushort)(_end4 + counts[5]);
        Alpn = alpn;
        AlpnFirstLast = alpnFirstLast;
        if (alpn.Length == 0)
        {
            AlpnJson = NoAlpn;
        }
        else
        {
            // Encoded as the record writer would (its encoder), once per shape instead of at every record.
            AlpnJson = new JsonEncodedText[alpn.Length];
            for (int i = 0; i < alpn.Length; i++)
            {
                AlpnJson[i] = JsonEncodedText.Encode(alpn[i], JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
            }
        }
    }

    public bool IsClient { get; }
    public ushort LegacyVersion { get; }
    public string[] Alpn { get; }
    public JsonEncodedText[] AlpnJson { get; }
    /// <summary>0x1FFLL: present flag, first and last byte of the first ALPN id on the wire; 0 when none.</summary>
    public int AlpnFirstLast { get; }

    /// <summary>Fingerprints of a ClientHello (set on first use, <see cref="ClientFingerprints"/>).</summary>
    public ClientFingerprintSet? ClientFingerprints;
    /// <summary>JA3S of a ServerHello (set on first use).</summary>
    public ServerFingerprintSet? ServerFingerprints;
    /// <summary>
    /// Set once a second hello of this shape was parsed (<see cref="TlsHelloShapes"/>). Only a shared shape keeps the
    /// rendered JSON below and takes the raw record path: a client sending a new shape with every connection (hostile
    /// or random lists) costs what it did before the shapes, and its flows do not each hold kilobytes of JSON.
    /// </summary>
    public bool Shared;

    /// <summary>The <c>supported_ciphers</c> JSON array (kept on first use once <see cref="Shared"/>, <see cref="TlsNames.CipherListJson"/>).</summary>
    public byte[]? CipherListJson;

    /// <summary>The <c>supported_ciphers</c> array: kept when the shape is shared, else from the per-worker list cache.</summary>
    public byte[] SupportedCiphersJson()
    {
        if (CipherListJson is { } json)
        {
            return json;
        }

        json = TlsNames.CipherListJsonArray(List(CipherList));
        if (Shared)
        {
            CipherListJson = json;
        }

        return json;
    }

    private RecordNames? _names;

    /// <summary>The version and cipher names the record writes for this hello, looked up once per shape.</summary>
    public RecordNames Names => _names ??= new RecordNames(this);

    /// <summary>
    /// ECS <c>tls.version</c> as this hello alone gives it: for a ServerHello the selected version (supported_versions,
    /// else its legacy version), for a ClientHello the highest version it offers in its legacy version's family.
    /// </summary>
    public ushort EcsVersion()
    {
        var versions = List(VersionList);
        if (!IsClient)
        {
            return versions.Length > 0 ? versions[0] : LegacyVersion;
        }

        ushort best = LegacyVersion;
        foreach (ushort v in versions)
        {
            if (!TlsHelloParser.IsGrease(v) && (v >> 8) == (best >> 8) && Ja4.Rank(v) > Ja4.Rank(best))
            {
                best = v;
            }
        }

        return best;
    }

    /// <summary>Pre-encoded names of one shape (immutable: published by one reference write).</summary>
    internal sealed class RecordNames
    {
        public RecordNames(TlsHelloShape shape)
        {
            ushort version = shape.EcsVersion();
            Version = TlsNames.VersionJson(version);
            Protocol = TlsNames.ProtocolJson(version);
            LegacyVersion = TlsNames.VersionJson(shape.LegacyVersion);
            var ciphers = shape.List(CipherList);
            FirstCipher = ciphers.Length > 0 ? TlsNames.CipherJson(ciphers[0]) : default;

            // The head of ECS tls when this hello decides it: version and protocol, and for a ServerHello its cipher
            // and selected ALPN.
            var head = new JsonFragment().Member(TlsMetadata.Names.Version, Version).Member(TlsMetadata.Names.VersionProtocol, Protocol);
            if (!shape.IsClient)
            {
                head.Member(TlsMetadata.Names.Cipher, FirstCipher);
                if (shape.AlpnJson.Length > 0)
                {
                    head.Member(TlsMetadata.Names.NextProtocol, shape.AlpnJson[0]);
                }
            }

            EcsHead = head.ToArray();
        }

        /// <summary><c>"version":…,"version_protocol":…[,"cipher":…[,"next_protocol":…]]</c> of ECS <c>tls</c>.</summary>
        public byte[] EcsHead { get; }

        /// <summary><see cref="EcsVersion"/>'s name and protocol ("tls", "ssl", "dtls").</summary>
        public JsonEncodedText Version { get; }
        public JsonEncodedText Protocol { get; }
        public JsonEncodedText LegacyVersion { get; }
        /// <summary>The (server's selected) cipher suite; default when the list is empty.</summary>
        public JsonEncodedText FirstCipher { get; }
    }

    /// <summary>Packs the first and last byte of the first ALPN id with a presence bit.</summary>
    public static int AlpnEnds(byte first, byte last) => 0x10000 | (first << 8) | last;

    public ReadOnlySpan<ushort> List(int list) => list switch
    {
        CipherList => _values.AsSpan(0, _end0),
        ExtensionList => _values.AsSpan(_end0, _end1 - _end0),
        GroupList => _values.AsSpan(_end1, _end2 - _end1),
        SignatureList => _values.AsSpan(_end2, _end3 - _end2),
        VersionList => _values.AsSpan(_end3, _end4 - _end3),
        _ => _values.AsSpan(_end4, _end5 - _end4),
    };
}

/// <summary>Builds a run of JSON members from pre-encoded names and values (once per shape or fingerprint set).</summary>
internal sealed class JsonFragment
{
    private readonly ArrayBufferWriter<byte> _bytes = new(128);

    /// <summary><c>"name":"value"</c>, after a comma unless it is the first member.</summary>
    public JsonFragment Member(JsonEncodedText name, JsonEncodedText value)
    {
        Name(name);
        return Quoted(value);
    }

    /// <summary><c>"name":</c>, after a comma unless it is the first member.</summary>
    public JsonFragment Name(JsonEncodedText name)
    {
        if (_bytes.WrittenCount > 0 && _bytes.WrittenSpan[^1] != (byte)'{')
        {
            Raw(","u8);
        }

        Quoted(name);
        return Raw(":"u8);
    }

    public JsonFragment Quoted(JsonEncodedText value) => Raw("\""u8).Raw(value.EncodedUtf8Bytes).Raw("\""u8);

    public JsonFragment Raw(ReadOnlySpan<byte> json)
    {
        _bytes.Write(json);
        return this;
    }

    public byte[] ToArray() => _bytes.WrittenSpan.ToArray();
}
