using System.Buffers;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// TLS: the first handshake message of either side — a well-formed ClientHello from the client or ServerHello
/// from the server (a ClientHello with post-quantum key shares spans several segments and may span records).
/// Metadata: versions, SNI, ALPN, ciphers, JA3/JA3S and JA4 (computed only when <see cref="Fingerprints"/> is on).
/// </summary>
public sealed class TlsFingerprinter : IFingerprinter
{
    public static readonly TlsFingerprinter Instance = new();

    /// <summary>Compute JA3/JA3S/JA4 (on by default; off saves the hashing).</summary>
    public static bool Fingerprints { get; set; } = true;

    /// <summary>Also write the raw JA4 string (<c>sniffer.tls.client.ja4_r</c>).</summary>
    public static bool EmitJa4Raw { get; set; }

    public string Name => "tls";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A client side is a handshake record (0x16) or no TLS; a server side alone
    /// likewise (with a client side present, a bad server side only leaves the client's hello undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.Of(TlsRecordReader.ContentHandshake), ByteSet.All, serverAlone: ByteSet.Of(TlsRecordReader.ContentHandshake));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? (TlsParseStatus?)null : ProbeSide(context.Client, TlsHelloParser.HandshakeClientHello, context.ClientComplete);
        var server = context.Server.IsEmpty ? (TlsParseStatus?)null : ProbeSide(context.Server, TlsHelloParser.HandshakeServerHello, context.ServerComplete);
        if (client == TlsParseStatus.Done)
        {
            return ProbeResult.Matched(Confidence.High, "tls.client_hello");
        }

        if (client == TlsParseStatus.Invalid)
        {
            return ProbeResult.NoMatch;
        }

        if (server == TlsParseStatus.Done)
        {
            return ProbeResult.Matched(Confidence.High, "tls.server_hello");
        }

        if (client is null && server == TlsParseStatus.Invalid)
        {
            return ProbeResult.NoMatch;
        }

        bool clientOpen = client == TlsParseStatus.NeedMoreData && !context.ClientComplete || client is null && !context.ClientComplete;
        bool serverOpen = server == TlsParseStatus.NeedMoreData && !context.ServerComplete || server is null && !context.ServerComplete;
        if (clientOpen || serverOpen)
        {
            return ProbeResult.NeedMore;
        }

        // The window closed inside a hello whose record and handshake headers are right.
        if (client == TlsParseStatus.NeedMoreData && HeaderLooksRight(context.Client, TlsHelloParser.HandshakeClientHello))
        {
            return ProbeResult.Matched(Confidence.Medium, "tls.client_hello");
        }

        if (server == TlsParseStatus.NeedMoreData && HeaderLooksRight(context.Server, TlsHelloParser.HandshakeServerHello))
        {
            return ProbeResult.Matched(Confidence.Medium, "tls.server_hello");
        }

        return ProbeResult.NoMatch;
    }

    private static TlsParseStatus ProbeSide(ReadOnlySpan<byte> s, byte helloType, bool complete)
    {
        var status = TlsRecordReader.TryGetFirstHandshake(s, out var message, out var rented, out _);
        try
        {
            if (status == TlsParseStatus.NeedMoreData)
            {
                // Reject early when the handshake type is already visible and wrong.
                return s.Length > 5 && s[5] != helloType ? TlsParseStatus.Invalid : TlsParseStatus.NeedMoreData;
            }

            if (status == TlsParseStatus.Invalid)
            {
                return status;
            }

            return TlsHelloParser.IsWellFormed(message, helloType) ? TlsParseStatus.Done : TlsParseStatus.Invalid;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool HeaderLooksRight(ReadOnlySpan<byte> s, byte helloType) =>
        s.Length >= 11 && s[5] == helloType && s[9] == 3 && s[10] <= 4;

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as TlsMetadata ?? new TlsMetadata();
        metadata = meta;
        if (meta.Client is null && !meta.ClientGaveUp)
        {
            meta.Client = ParseHello(context.Client, TlsHelloParser.HandshakeClientHello, context.ClientComplete, out meta.ClientGaveUp);
            if (meta.Client is not null)
            {
                meta.OnClientHello();
            }
        }

        if (meta.Server is null && !meta.ServerGaveUp)
        {
            meta.Server = ParseHello(context.Server, TlsHelloParser.HandshakeServerHello, context.ServerComplete, out meta.ServerGaveUp);
            if (meta.Server is not null)
            {
                meta.OnServerHello();
            }
        }

        return (meta.Client is not null || meta.ClientGaveUp || context.ClientComplete) &&
               (meta.Server is not null || meta.ServerGaveUp || context.ServerComplete);
    }

    private static TlsHello? ParseHello(ReadOnlySpan<byte> s, byte type, bool complete, out bool gaveUp)
    {
        gaveUp = false;
        if (s.IsEmpty)
        {
            return null;
        }

        var status = TlsRecordReader.TryGetFirstHandshake(s, out var message, out var rented, out _);
        try
        {
            if (status == TlsParseStatus.Done)
            {
                var hello = TlsHelloParser.Parse(message, type);
                gaveUp = hello is null;
                return hello;
            }

            gaveUp = status == TlsParseStatus.Invalid || complete;
            return null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
