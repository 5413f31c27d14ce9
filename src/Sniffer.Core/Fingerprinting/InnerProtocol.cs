using System.Buffers.Binary;

namespace Sniffer.Fingerprinting;

/// <summary>What an outer protocol lets run inside it after a switch (STARTTLS and the like).</summary>
public enum InnerKind : byte
{
    /// <summary>Nothing runs inside (or not yet announced).</summary>
    None = 0,
    /// <summary>TLS, announced by the outer protocol (STARTTLS, SSLRequest, RDP's SSL/CredSSP, HTTP CONNECT).</summary>
    Tls = 1,
    /// <summary>Any protocol: a tunnel opened by the outer one (SOCKS); every fingerprinter is asked.</summary>
    Any = 2,
    /// <summary>
    /// Not inside but after: the 5-tuple went on with another protocol multiplexed beside the first (WebRTC: STUN
    /// connectivity checks, then DTLS, RFC 7983). The flow is named after the new protocol.
    /// </summary>
    Switched = 3,
}

/// <summary>
/// Where the inner protocol begins in each direction's in-order bytes, as the outer protocol found it; −1 for a
/// direction where it has not begun (yet).
/// </summary>
public readonly record struct InnerStart(InnerKind Kind, int Client, int Server)
{
    /// <summary>Largest TLS record a handshake may start with (RFC 8446 §5.1: 2^14 + 256 for TLSCiphertext).</summary>
    public const int MaxTlsRecordLength = (1 << 14) + 256;

    public static InnerStart None => new(InnerKind.None, -1, -1);

    /// <summary>
    /// TLS after a text exchange (SMTP/POP3/IMAP/FTP STARTTLS, XMPP &lt;starttls/&gt;): in each direction, the first
    /// TLS handshake record that begins right after a line end or a closing '&gt;' of the text part.
    /// </summary>
    public static InnerStart TlsAfterText(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        new(InnerKind.Tls, FindTlsAfterText(client, ClientHello), FindTlsAfterText(server, ServerHello));

    /// <summary>TLS starting at known offsets (binary protocols that length-prefix their messages); an offset is
    /// kept only when a TLS handshake record of the expected type really starts there.</summary>
    public static InnerStart TlsAt(ReadOnlySpan<byte> client, int clientOffset, ReadOnlySpan<byte> server, int serverOffset) =>
        new(InnerKind.Tls,
            clientOffset >= 0 && IsTlsHandshake(client, clientOffset, ClientHello) ? clientOffset : -1,
            serverOffset >= 0 && IsTlsHandshake(server, serverOffset, ServerHello) ? serverOffset : -1);

    public const byte ClientHello = 1;
    public const byte ServerHello = 2;

    /// <summary>
    /// True when a TLS handshake record (content type 22, version 3.x, a sane length) whose first message has the
    /// given type begins at <paramref name="offset"/>.
    /// </summary>
    public static bool IsTlsHandshake(ReadOnlySpan<byte> data, int offset, byte handshakeType)
    {
        if (offset < 0 || data.Length - offset < 6)
        {
            return false;
        }

        var r = data[offset..];
        int length = BinaryPrimitives.ReadUInt16BigEndian(r[3..]);
        return r[0] == 0x16 && r[1] == 0x03 && r[2] <= 0x04 && length is >= 4 and <= MaxTlsRecordLength && r[5] == handshakeType;
    }

    private static int FindTlsAfterText(ReadOnlySpan<byte> data, byte handshakeType)
    {
        int from = 0;
        while (from < data.Length)
        {
            int i = data[from..].IndexOf((byte)0x16);
            if (i < 0)
            {
                return -1;
            }

            i += from;
            if (i > 0 && data[i - 1] is (byte)'\n' or (byte)'>' && IsTlsHandshake(data, i, handshakeType))
            {
                return i;
            }

            from = i + 1;
        }

        return -1;
    }
}

/// <summary>
/// The protocol found inside a flow's identified (outer) protocol: its own identification and metadata, over the
/// bytes after <see cref="ClientOffset"/>/<see cref="ServerOffset"/>. Owned by <see cref="ProtocolDetector"/>.
/// Written as <c>sniffer.inner.*</c> plus the inner protocol's own fields (docs/schema.md).
/// </summary>
public sealed class InnerProtocol
{
    public InnerKind Kind { get; internal set; }
    public int ClientOffset { get; internal set; } = -1;
    public int ServerOffset { get; internal set; } = -1;
    internal ulong Candidates;
    /// <summary>Registration index of the inner protocol, −1 while none matched.</summary>
    public int Index { get; internal set; } = -1;
    public string? Name { get; internal set; }
    public Confidence Confidence { get; internal set; }
    public string? Evidence { get; internal set; }
    internal ProtocolMetadata? MetadataSlot;
    public ProtocolMetadata? Metadata => MetadataSlot;
    /// <summary>No more inner work: identified and extracted, or given up.</summary>
    public bool Done { get; internal set; }
}
