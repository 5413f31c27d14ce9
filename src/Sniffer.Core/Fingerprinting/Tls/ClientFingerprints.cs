using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// JA3 string and hash, JA4 (and its raw form) of one ClientHello, with the JSON text the record writes: these
/// values come back with every flow of one client software, so they are encoded once, not at every record.
/// </summary>
public sealed class ClientFingerprintSet
{
    internal ClientFingerprintSet(char protocol, string ja3String, string ja3, string ja4, string? ja4Raw)
    {
        Protocol = protocol;
        Ja3String = ja3String;
        Ja3 = ja3;
        Ja4 = ja4;
        Ja4Raw = ja4Raw;
        Ja3Json = Encode(ja3);
        Ja4Json = Encode(ja4);
        Ja3Key = "ja3:" + ja3;
        Ja4Key = "ja4:" + ja4;
    }

    /// <summary>"ja3:&lt;hash&gt;" and "ja4:&lt;fingerprint&gt;" for the port summary (<c>CollectFingerprints</c>), built once.</summary>
    internal string Ja3Key { get; }
    internal string Ja4Key { get; }

    /// <summary>JA4's protocol character the set was computed for ('t', 'q', 'd').</summary>
    public char Protocol { get; }
    public string Ja3String { get; }
    public string Ja3 { get; }
    public string Ja4 { get; }
    public string? Ja4Raw { get; }
    internal JsonEncodedText Ja3Json { get; }
    internal JsonEncodedText Ja4Json { get; }

    // The long ones (up to ~5,700 characters for hostile lists) are encoded on first use, which only a shared shape
    // makes (TlsHelloShape.Shared): a one-off hello does not hold its JA3 string twice more.
    private JsonEncodedText? _ja3StringJson;
    private JsonEncodedText? _ja4RawJson;

    internal JsonEncodedText Ja3StringJson => _ja3StringJson ??= Encode(Ja3String);
    internal JsonEncodedText Ja4RawJson => _ja4RawJson ??= Encode(Ja4Raw!);

    private byte[]? _clientObjectJson;
    private byte[]? _ecsClientTail;

    /// <summary>
    /// The end of ECS <c>tls.client</c> after the server name: <c>"supported_ciphers":[…],"ja3":"…"}</c> (the set
    /// belongs to one shape, so to one cipher list). Only for a shared shape (<see cref="TlsHelloShape.Shared"/>).
    /// </summary>
    internal byte[] EcsClientTail(TlsHello client) => _ecsClientTail ??= new JsonFragment()
        .Name(TlsMetadata.Names.SupportedCiphers).Raw(client.Shape.SupportedCiphersJson())
        .Member(TlsMetadata.Names.Ja3, Ja3Json).Raw("}"u8).ToArray();

    /// <summary>
    /// The whole <c>sniffer.tls.client</c> object of a complete hello — <see cref="TlsMetadata.WriteClientFields"/>
    /// rendered once: every member comes from the hello's shape and this set, which belongs to that one shape
    /// (<see cref="ClientFingerprints.Get"/>), so the flows sharing it write the same bytes with one copy. Only for a
    /// shared shape (<see cref="TlsHelloShape.Shared"/>).
    /// </summary>
    internal byte[] ClientObjectJson(TlsHello client)
    {
        if (_clientObjectJson is { } json)
        {
            return json;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, Output.FlowRecordWriter.Options))
        {
            w.WriteStartObject();
            TlsMetadata.WriteClientFields(w, client, null, this);
            w.WriteEndObject();
        }

        return _clientObjectJson = buffer.WrittenSpan.ToArray();
    }

    /// <summary>With the record writer's encoder, so the bytes are what it would have written from the string.</summary>
    internal static JsonEncodedText Encode(string value) => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
}

/// <summary>JA3S string and hash of one ServerHello, encoded once for the record (see <see cref="ClientFingerprintSet"/>).</summary>
public sealed class ServerFingerprintSet
{
    internal ServerFingerprintSet(string ja3sString)
    {
        Ja3sString = ja3sString;
        Ja3s = Tls.Ja3.Hash(ja3sString);
        Ja3sJson = ClientFingerprintSet.Encode(Ja3s);
        Ja3sKey = "ja3s:" + Ja3s;
    }

    /// <summary>"ja3s:&lt;hash&gt;" for the port summary, built once.</summary>
    internal string Ja3sKey { get; }

    private byte[]? _ecsServer;
    private byte[]? _snifferServer;

    /// <summary>ECS <c>"server":{"ja3s":"…"}</c>.</summary>
    internal byte[] EcsServer => _ecsServer ??= new JsonFragment().Name(TlsMetadata.Names.Server).Raw("{"u8)
        .Member(TlsMetadata.Names.Ja3s, Ja3sJson).Raw("}"u8).ToArray();

    /// <summary><c>sniffer.tls</c>'s <c>"server":{"version":"…","ja3s_string":"…"}</c> (the set belongs to one shape, so to one version).</summary>
    internal byte[] SnifferServer(TlsHello server) => _snifferServer ??= new JsonFragment().Name(TlsMetadata.Names.Server).Raw("{"u8)
        .Member(TlsMetadata.Names.Version, server.Shape.Names.LegacyVersion).Member(TlsMetadata.Names.Ja3sString, Ja3sStringJson).Raw("}"u8).ToArray();

    public string Ja3sString { get; }
    public string Ja3s { get; }
    private JsonEncodedText? _ja3sStringJson;

    /// <summary>Encoded on first use (a shared shape's), as <see cref="ClientFingerprintSet.Ja3StringJson"/>.</summary>
    internal JsonEncodedText Ja3sStringJson => _ja3sStringJson ??= ClientFingerprintSet.Encode(Ja3sString);
    internal JsonEncodedText Ja3sJson { get; }
}

/// <summary>
/// A ClientHello's fingerprints, kept in its interned shape (<see cref="TlsHelloShape"/>): they depend only on the
/// shape (version, lists, first ALPN id) and the JA4 protocol, so the flows of one client software compute them
/// once per worker. The answer is always what <see cref="Ja3"/> and <see cref="Ja4"/> compute.
/// </summary>
internal static class ClientFingerprints
{
    public static ClientFingerprintSet Get(TlsHello hello, char protocol, bool raw)
    {
        var shape = hello.Shape;
        if (shape.ClientFingerprints is { } set && set.Protocol == protocol && set.Ja4Raw is not null == raw)
        {
            return set;
        }

        string ja3String = Ja3.ClientString(hello);
        set = new ClientFingerprintSet(protocol, ja3String, Ja3.Hash(ja3String), Ja4.Compute(hello, protocol), raw ? Ja4.Raw(hello, protocol) : null);
        shape.ClientFingerprints = set;
        return set;
    }

    public static ServerFingerprintSet GetServer(TlsHello hello) =>
        hello.Shape.ServerFingerprints ??= new ServerFingerprintSet(Ja3.ServerString(hello));
}
