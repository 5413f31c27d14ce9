using System.Globalization;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>IANA names of common TLS cipher suites and versions (hex for the rest).</summary>
public static class TlsNames
{
    public static string Cipher(ushort id) => id switch
    {
        0x0000 => "TLS_NULL_WITH_NULL_NULL",
        0x0001 => "TLS_RSA_WITH_NULL_MD5",
        0x0002 => "TLS_RSA_WITH_NULL_SHA",
        0x0003 => "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x0009 => "TLS_RSA_WITH_DES_CBC_SHA",
        0x000A => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0013 => "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        0x0016 => "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002F => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0032 => "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x0038 => "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x003B => "TLS_RSA_WITH_NULL_SHA256",
        0x003C => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003D => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x0040 => "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
        0x0041 => "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0045 => "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006A => "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
        0x006B => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x0084 => "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x0088 => "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0x008C => "TLS_PSK_WITH_AES_128_CBC_SHA",
        0x008D => "TLS_PSK_WITH_AES_256_CBC_SHA",
        0x009C => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009E => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009F => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x00A2 => "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
        0x00A3 => "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
        0x00A8 => "TLS_PSK_WITH_AES_128_GCM_SHA256",
        0x00A9 => "TLS_PSK_WITH_AES_256_GCM_SHA384",
        0x00AE => "TLS_PSK_WITH_AES_128_CBC_SHA256",
        0x00AF => "TLS_PSK_WITH_AES_256_CBC_SHA384",
        0x00FF => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0x1304 => "TLS_AES_128_CCM_SHA256",
        0x1305 => "TLS_AES_128_CCM_8_SHA256",
        0x5600 => "TLS_FALLBACK_SCSV",
        0xC007 => "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0xC008 => "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0xC009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC011 => "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0xC012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xC013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xC024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xC027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xC028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xC02B => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xC035 => "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
        0xC036 => "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
        0xC037 => "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
        0xC038 => "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
        0xC09C => "TLS_RSA_WITH_AES_128_CCM",
        0xC09D => "TLS_RSA_WITH_AES_256_CCM",
        0xC09E => "TLS_DHE_RSA_WITH_AES_128_CCM",
        0xC09F => "TLS_DHE_RSA_WITH_AES_256_CCM",
        0xC0AC => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
        0xC0AD => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
        0xC0AE => "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        0xC0AF => "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        0xCCA8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAA => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAB => "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAC => "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAD => "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        _ => "0x" + id.ToString("x4", CultureInfo.InvariantCulture),
    };

    /// <summary>ECS tls.version style: "1.3", "1.2", ... ("3.0" for SSLv3).</summary>
    public static string Version(ushort v) => v switch
    {
        0x0304 => "1.3",
        0x0303 => "1.2",
        0x0302 => "1.1",
        0x0301 => "1.0",
        0x0300 => "3.0",
        0x0002 => "2.0",
        0xfeff => "1.0",
        0xfefd => "1.2",
        0xfefc => "1.3",
        _ => "0x" + v.ToString("x4", CultureInfo.InvariantCulture),
    };

    /// <summary>Distinct cipher and version ids whose JSON text a worker keeps.</summary>
    public const int MaxCachedJson = 1024;

    [ThreadStatic]
    private static Dictionary<int, System.Text.Json.JsonEncodedText>? t_json;

    /// <summary><see cref="Cipher"/> pre-encoded for the JSON writer (cached per thread: a record lists ~30 suites).</summary>
    public static System.Text.Json.JsonEncodedText CipherJson(ushort id) => Json(id, version: false);

    /// <summary><see cref="Version"/> pre-encoded for the JSON writer.</summary>
    public static System.Text.Json.JsonEncodedText VersionJson(ushort v) => Json(v, version: true);

    private static System.Text.Json.JsonEncodedText Json(ushort id, bool version)
    {
        var cache = t_json ??= [];
        int key = version ? 0x10000 | id : id;
        if (!cache.TryGetValue(key, out var text))
        {
            text = System.Text.Json.JsonEncodedText.Encode(version ? Version(id) : Cipher(id));
            if (cache.Count < MaxCachedJson)
            {
                cache.Add(key, text);
            }
        }

        return text;
    }

    /// <summary>Cipher lists whose JSON array a worker keeps (a power of two).</summary>
    public const int CachedCipherLists = 256;

    private sealed class CipherList
    {
        public required ulong Hash;
        public required ushort[] Ids;
        public required byte[] Json;
    }

    [ThreadStatic]
    private static CipherList?[]? t_lists;

    /// <summary>
    /// The JSON array of the suites' names (GREASE left out), e.g. <c>["TLS_AES_128_GCM_SHA256",…]</c>: the same
    /// list comes back with every flow of one client software, so it is built once per worker and copied.
    /// </summary>
    public static ReadOnlySpan<byte> CipherListJson(ReadOnlySpan<ushort> suites) => CipherListJsonArray(suites);

    /// <summary>As <see cref="CipherListJson"/>: the cached array itself (a hello's shape keeps it, <see cref="TlsHelloShape"/>).</summary>
    internal static byte[] CipherListJsonArray(ReadOnlySpan<ushort> ids)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids);
        ulong hash = Caching.FastHash.Compute(bytes);
        var lists = t_lists ??= new CipherList?[CachedCipherLists];
        ref var slot = ref lists[(int)(hash & (CachedCipherLists - 1))];
        if (slot is { } hit && hit.Hash == hash && ids.SequenceEqual(hit.Ids))
        {
            return hit.Json;
        }

        var json = new System.Buffers.ArrayBufferWriter<byte>(64 * ids.Length + 2);
        using (var w = new System.Text.Json.Utf8JsonWriter(json, new System.Text.Json.JsonWriterOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            w.WriteStartArray();
            foreach (ushort c in ids)
            {
                if (!TlsHelloParser.IsGrease(c))
                {
                    w.WriteStringValue(CipherJson(c));
                }
            }

            w.WriteEndArray();
        }

        slot = new CipherList { Hash = hash, Ids = ids.ToArray(), Json = json.WrittenSpan.ToArray() };
        return slot.Json;
    }

    /// <summary>ECS tls.version_protocol: "tls", "ssl" or "dtls".</summary>
    public static string Protocol(ushort v) => (v >> 8) == 0xfe ? "dtls" : v <= 0x0300 ? "ssl" : "tls";

    private static readonly System.Text.Json.JsonEncodedText ProtocolDtls = System.Text.Json.JsonEncodedText.Encode("dtls");
    private static readonly System.Text.Json.JsonEncodedText ProtocolSsl = System.Text.Json.JsonEncodedText.Encode("ssl");
    private static readonly System.Text.Json.JsonEncodedText ProtocolTls = System.Text.Json.JsonEncodedText.Encode("tls");

    /// <summary><see cref="Protocol"/> pre-encoded for the JSON writer.</summary>
    public static System.Text.Json.JsonEncodedText ProtocolJson(ushort v) => (v >> 8) == 0xfe ? ProtocolDtls : v <= 0x0300 ? ProtocolSsl : ProtocolTls;
}
