using System.Buffers;
using System.Buffers.Binary;
using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Fingerprinting.Quic;

/// <summary>
/// QUIC over UDP: IETF QUIC v1/v2/draft-29..34 long-header packets (the client Initial is decrypted with the
/// public Initial keys and its CRYPTO frames reassembled into the TLS ClientHello) and Google QUIC (Q043 public
/// header and Q046 long header with a cleartext CHLO; Q050/T050/T051 Initials decrypted with Google's salts). Probing a non-QUIC datagram costs a
/// few byte compares and allocates nothing; decryption runs only on datagrams whose header is already valid.
/// </summary>
public sealed class QuicFingerprinter : IFingerprinter
{
    public static readonly QuicFingerprinter Instance = new();

    /// <summary>Longest server name kept (same limit as TLS).</summary>
    public const int MaxServerNameLength = TlsHelloParser.MaxServerNameLength;
    /// <summary>Most ALPN entries kept from a truncated ClientHello.</summary>
    public const int MaxAlpnEntries = 16;
    /// <summary>Longest ALPN protocol id kept.</summary>
    public const int MaxAlpnLength = 64;

    private static readonly uint TagSni = BinaryPrimitives.ReadUInt32BigEndian("SNI\0"u8);
    private static readonly uint TagUaid = BinaryPrimitives.ReadUInt32BigEndian("UAID"u8);

    public string Name => "quic";

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : Classify(context.Client, client: true);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : Classify(context.Server, client: false);
        if (client.Status == ProbeStatus.Match)
        {
            if (client.Confidence == Confidence.High || server.Status != ProbeStatus.Match)
            {
                return client;
            }

            return ProbeResult.Matched(Confidence.High, client.Evidence!);
        }

        if (client.Status == ProbeStatus.NoMatch)
        {
            return ProbeResult.NoMatch;
        }

        if (server.Status == ProbeStatus.Match || server.Status == ProbeStatus.NoMatch)
        {
            return server;
        }

        return context.ClientComplete && context.ServerComplete ? ProbeResult.NoMatch : ProbeResult.NeedMore;
    }

    private static ProbeResult Classify(ReadOnlySpan<byte> datagram, bool client)
    {
        if (!QuicParser.TryParseHeader(datagram, out var p))
        {
            return ProbeResult.NoMatch;
        }

        switch (p.Family)
        {
            case QuicFamily.Ietf:
            case QuicFamily.GoogleInvariant:
                {
                    bool google = p.Family == QuicFamily.GoogleInvariant;
                    if (client && p.IsInitial && datagram.Length >= QuicParser.MinClientInitialDatagram)
                    {
                        switch (InspectInitial(datagram, p))
                        {
                            case InitialContent.ClientHello:
                                return ProbeResult.Matched(Confidence.High, google ? "gquic.client_initial" : "quic.client_initial");
                            case InitialContent.Chlo:
                                return ProbeResult.Matched(Confidence.High, "gquic.chlo");
                        }
                    }

                    return ProbeResult.Matched(Confidence.Medium, google ? "gquic.header" : p.IsInitial ? "quic.initial" : "quic.long_header");
                }

            case QuicFamily.GoogleNibble:
            case QuicFamily.GooglePublicHeader:
                return p.IsInitial && QuicParser.TryFindChlo(datagram[p.PayloadOffset..], out _)
                    ? ProbeResult.Matched(Confidence.High, "gquic.chlo")
                    : ProbeResult.Matched(Confidence.Medium, "gquic.header");
            case QuicFamily.VersionNegotiation:
                return client ? ProbeResult.NoMatch : ProbeResult.Matched(Confidence.Medium, "quic.version_negotiation");
            default:
                return ProbeResult.NoMatch;
        }
    }

    private enum InitialContent : byte
    {
        None,
        ClientHello,
        Chlo,
    }

    /// <summary>Decrypts a client Initial and tells what its payload starts: a TLS ClientHello or (Q050) a CHLO.</summary>
    private static InitialContent InspectInitial(ReadOnlySpan<byte> datagram, in QuicPacket p)
    {
        byte[] plain = ArrayPool<byte>.Shared.Rent(p.PacketEnd);
        byte[] crypto = ArrayPool<byte>.Shared.Rent(QuicParser.MaxCryptoBytes);
        try
        {
            int n = QuicParser.DecryptClientInitial(datagram, p, plain);
            if (n < 0)
            {
                return InitialContent.None;
            }

            if (p.Family == QuicFamily.GoogleInvariant && QuicParser.TryFindChlo(plain.AsSpan(0, n), out _))
            {
                return InitialContent.Chlo;
            }

            int contiguous = QuicParser.ReassembleCrypto(plain.AsSpan(0, n), crypto.AsSpan(0, QuicParser.MaxCryptoBytes));
            return contiguous >= 0 && QuicParser.StartsClientHello(crypto.AsSpan(0, contiguous)) ? InitialContent.ClientHello : InitialContent.None;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(crypto);
        }
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as QuicMetadata;
        if (meta is null)
        {
            meta = new QuicMetadata();
            metadata = meta;
        }

        if (!meta.ClientDone && !context.Client.IsEmpty)
        {
            meta.ClientDone = true;
            ExtractClient(context.Client, meta);
        }

        if (!meta.ServerDone && !context.Server.IsEmpty)
        {
            meta.ServerDone = true;
            if (meta.Version is null && QuicParser.TryParseHeader(context.Server, out var s) && s.Family != QuicFamily.VersionNegotiation)
            {
                meta.Version = QuicParser.VersionName(s.Version);
            }
        }

        return meta.ClientDone || context.ClientComplete;
    }

    private static void ExtractClient(ReadOnlySpan<byte> datagram, QuicMetadata meta)
    {
        if (!QuicParser.TryParseHeader(datagram, out var p) || p.Family == QuicFamily.VersionNegotiation)
        {
            return;
        }

        meta.Version = QuicParser.VersionName(p.Version);
        if (!p.Dcid.IsEmpty)
        {
            meta.Dcid = Convert.ToHexStringLower(p.Dcid);
        }

        if (!p.Scid.IsEmpty)
        {
            meta.Scid = Convert.ToHexStringLower(p.Scid);
        }

        if (p.Family is QuicFamily.GoogleNibble or QuicFamily.GooglePublicHeader)
        {
            if (QuicParser.TryFindChlo(datagram[p.PayloadOffset..], out var chlo))
            {
                ReadChlo(chlo, meta);
            }

            return;
        }

        if (p.Family is not (QuicFamily.Ietf or QuicFamily.GoogleInvariant) || !p.IsInitial)
        {
            return;
        }

        byte[] plain = ArrayPool<byte>.Shared.Rent(p.PacketEnd);
        byte[] crypto = ArrayPool<byte>.Shared.Rent(QuicParser.MaxCryptoBytes);
        try
        {
            int n = QuicParser.DecryptClientInitial(datagram, p, plain);
            if (n < 0)
            {
                return;
            }

            if (p.Family == QuicFamily.GoogleInvariant && QuicParser.TryFindChlo(plain.AsSpan(0, n), out var chlo))
            {
                ReadChlo(chlo, meta);
                return;
            }

            int contiguous = QuicParser.ReassembleCrypto(plain.AsSpan(0, n), crypto.AsSpan(0, QuicParser.MaxCryptoBytes));
            var data = crypto.AsSpan(0, Math.Max(0, contiguous));
            if (!QuicParser.StartsClientHello(data) || TryCompleteHello(data, meta))
            {
                return;
            }

            // The hello continues in a later Initial: keep the CRYPTO stream and read what is there already.
            meta.HelloTruncated = true;
            meta.PendingHello = new QuicCryptoStream(p.Dcid);
            meta.PendingHello.Add(plain.AsSpan(0, n));
            ReadPartialHello(data, meta);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(crypto);
        }
    }

    /// <summary>Parses the ClientHello when <paramref name="data"/> holds all of it; true then.</summary>
    private static bool TryCompleteHello(ReadOnlySpan<byte> data, QuicMetadata meta)
    {
        int total = 4 + ((data[1] << 16) | (data[2] << 8) | data[3]);
        if (data.Length < total)
        {
            return false;
        }

        var hello = TlsHelloParser.Parse(data[..total], TlsHelloParser.HandshakeClientHello);
        if (hello is not null)
        {
            meta.OnClientHello(hello);
        }

        return true;
    }

    /// <summary>
    /// A later client datagram of a flow whose ClientHello spans several Initial packets: decrypts its Initial
    /// (keys from the first Initial's DCID, RFC 9001 §5.2) and adds the CRYPTO frames; parses the hello once
    /// complete. Gives up after <see cref="QuicCryptoStream.MaxDatagrams"/> datagrams.
    /// </summary>
    internal static void ContinueHello(ReadOnlySpan<byte> datagram, QuicMetadata meta)
    {
        var pending = meta.PendingHello;
        if (pending is null)
        {
            return;
        }

        if (++pending.Datagrams > QuicCryptoStream.MaxDatagrams)
        {
            meta.PendingHello = null;
            return;
        }

        if (!QuicParser.TryParseHeader(datagram, out var p) || p.Family != QuicFamily.Ietf || !p.IsInitial)
        {
            return;
        }

        byte[] plain = ArrayPool<byte>.Shared.Rent(p.PacketEnd);
        try
        {
            int n = QuicParser.DecryptClientInitial(datagram, p, pending.OriginalDcid, plain);
            if (n < 0 || !pending.Add(plain.AsSpan(0, n)))
            {
                return;
            }

            var data = pending.Contiguous;
            if (QuicParser.StartsClientHello(data) && TryCompleteHello(data, meta))
            {
                meta.HelloTruncated = meta.Client is null;
                meta.PendingHello = null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private static void ReadChlo(ReadOnlySpan<byte> chlo, QuicMetadata meta)
    {
        if (QuicParser.TryGetChloTag(chlo, TagSni, out var sni) && !sni.IsEmpty)
        {
            meta.ServerName = WireText.Decode(sni, MaxServerNameLength);
        }

        if (QuicParser.TryGetChloTag(chlo, TagUaid, out var uaid) && !uaid.IsEmpty)
        {
            meta.SetUserAgent(WireText.Decode(uaid, QuicMetadata.MaxUserAgentLength));
        }
    }

    /// <summary>Server name and ALPN from the extensions of a ClientHello whose tail is in a later datagram.</summary>
    private static void ReadPartialHello(ReadOnlySpan<byte> m, QuicMetadata meta)
    {
        int pos = 4 + 2 + 32;
        if (m.Length <= pos)
        {
            return;
        }

        pos += 1 + m[pos]; // session id
        if (m.Length < pos + 2)
        {
            return;
        }

        pos += 2 + BinaryPrimitives.ReadUInt16BigEndian(m[pos..]); // cipher suites
        if (m.Length <= pos)
        {
            return;
        }

        pos += 1 + m[pos]; // compression methods
        pos += 2; // extensions length
        while (m.Length - pos >= 4)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[pos..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(m[(pos + 2)..]);
            pos += 4;
            if (m.Length - pos < length)
            {
                return;
            }

            var data = m.Slice(pos, length);
            pos += length;
            if (type == TlsHelloParser.ExtServerName && meta.ServerName is null && data.Length >= 5 && data[2] == 0)
            {
                int nameLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
                if (data.Length - 5 >= nameLength)
                {
                    meta.ServerName = WireText.Decode(data.Slice(5, nameLength), MaxServerNameLength);
                }
            }
            else if (type == TlsHelloParser.ExtAlpn && meta.PartialAlpn is null && data.Length >= 2)
            {
                var list = new List<string>();
                int i = 2;
                while (i < data.Length && list.Count < MaxAlpnEntries)
                {
                    int l = data[i];
                    if (l == 0 || data.Length - i - 1 < l)
                    {
                        break;
                    }

                    list.Add(WireText.Decode(data.Slice(i + 1, l), MaxAlpnLength));
                    i += 1 + l;
                }

                meta.PartialAlpn = list;
            }
        }
    }
}
