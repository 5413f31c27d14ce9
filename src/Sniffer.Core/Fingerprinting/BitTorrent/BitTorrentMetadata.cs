using System.Text.Json;

namespace Sniffer.Fingerprinting.BitTorrent;

/// <summary>
/// BitTorrent: <c>sniffer.bittorrent.*</c> (kind "handshake"/"dht"/"utp"/"lsd", info_hash in lowercase hex,
/// peer_id, dht_query, dht_client). An Azureus-style peer id ("-qB4250-") names the client.
/// </summary>
public sealed class BitTorrentMetadata : ProtocolMetadata
{
    /// <summary>Longest text value kept.</summary>
    public const int MaxValueLength = 64;

    public string? Kind { get; private set; }
    public string? InfoHash { get; private set; }
    public string? PeerId { get; private set; }
    public string? DhtQuery { get; private set; }
    public string? DhtClient { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool tcp)
    {
        if (Kind is not null)
        {
            return true;
        }

        var first = client.IsEmpty ? server : client;
        if (first.IsEmpty)
        {
            return false;
        }

        if (tcp)
        {
            if (BitTorrentFingerprinter.ProbeHandshake(first).Status != ProbeStatus.Match || first.Length < BitTorrentFingerprinter.HandshakeLength)
            {
                return false;
            }

            Kind = "handshake";
            InfoHash = Convert.ToHexStringLower(first.Slice(28, 20));
            var peer = first.Slice(48, 20);
            PeerId = WireText.Decode(peer, MaxValueLength);
            SetClient(peer);
            return true;
        }

        var result = BitTorrentFingerprinter.ProbeDatagram(first);
        if (result.Status != ProbeStatus.Match)
        {
            return false;
        }

        switch (result.Evidence)
        {
            case "bittorrent.dht":
                Kind = "dht";
                if (Bencode.TryFind(first, "q"u8, out var q))
                {
                    DhtQuery = WireText.Decode(Bencode.StringValue(q), MaxValueLength);
                }

                if (Bencode.TryFind(first, "v"u8, out var v))
                {
                    var version = Bencode.StringValue(v);
                    // Two letters of client code, then two version bytes (e.g. "LT" 0x01 0x01).
                    DhtClient = version.Length == 4
                        ? WireText.Decode(version[..2], 2) + ((int)version[2]).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + ((int)version[3]).ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : WireText.Decode(version, MaxValueLength);
                }

                if (Bencode.TryFind(first, "a"u8, out var args) && Bencode.TryFind(args, "info_hash"u8, out var hash)
                    && Bencode.StringValue(hash).Length == 20)
                {
                    InfoHash = Convert.ToHexStringLower(Bencode.StringValue(hash));
                }

                break;
            case "bittorrent.lsd":
                Kind = "lsd";
                int at = first.IndexOf("\r\nInfohash: "u8);
                var rest = first[(at + 12)..];
                int end = rest.IndexOf("\r\n"u8);
                var value = end < 0 ? rest : rest[..end];
                if (value.Length == 40)
                {
                    InfoHash = WireText.Decode(value, 40).ToLowerInvariant();
                }

                break;
            default:
                Kind = "utp";
                break;
        }

        return true;
    }

    private void SetClient(ReadOnlySpan<byte> peer)
    {
        if (peer[0] != (byte)'-' || peer[7] != (byte)'-')
        {
            return;
        }

        string? name = (peer[1], peer[2]) switch
        {
            ((byte)'q', (byte)'B') => "qBittorrent",
            ((byte)'T', (byte)'R') => "Transmission",
            ((byte)'U', (byte)'T') => "µTorrent",
            ((byte)'U', (byte)'M') => "µTorrent Mac",
            ((byte)'U', (byte)'W') => "µTorrent Web",
            ((byte)'B', (byte)'T') => "BitTorrent",
            ((byte)'L', (byte)'T') => "libtorrent (Rasterbar)",
            ((byte)'l', (byte)'t') => "libTorrent (rakshasa)",
            ((byte)'D', (byte)'E') => "Deluge",
            ((byte)'A', (byte)'Z') => "Vuze",
            ((byte)'B', (byte)'I') => "BiglyBT",
            ((byte)'K', (byte)'T') => "KTorrent",
            ((byte)'F', (byte)'D') => "Free Download Manager",
            ((byte)'W', (byte)'W') => "WebTorrent",
            ((byte)'X', (byte)'L') => "Xunlei",
            ((byte)'B', (byte)'C') => "BitComet",
            ((byte)'A', (byte)'G') => "Ares",
            _ => null,
        };
        if (name is null)
        {
            return;
        }

        ApplicationName = name;
        var digits = peer.Slice(3, 4);
        foreach (byte b in digits)
        {
            if (!char.IsAsciiLetterOrDigit((char)b))
            {
                return;
            }
        }

        // Transmission: "2940" = 2.94; others: "4250" = 4.2.5 (a trailing 0 is dropped).
        string d = WireText.Decode(digits, 4);
        ApplicationVersion = peer[1] == (byte)'T' && peer[2] == (byte)'R'
            ? d[0] + "." + d[1..3]
            : d[3] == '0' ? $"{d[0]}.{d[1]}.{d[2]}" : $"{d[0]}.{d[1]}.{d[2]}.{d[3]}";
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Bittorrent);
        if (Kind is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Kind, Kind);
        }

        if (InfoHash is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.InfoHash, InfoHash);
        }

        if (PeerId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.PeerId, PeerId);
        }

        if (DhtQuery is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.DhtQuery, DhtQuery);
        }

        if (DhtClient is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.DhtClient, DhtClient);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Bittorrent = JsonEncodedText.Encode("bittorrent");
    public static readonly JsonEncodedText DhtClient = JsonEncodedText.Encode("dht_client");
    public static readonly JsonEncodedText DhtQuery = JsonEncodedText.Encode("dht_query");
    public static readonly JsonEncodedText InfoHash = JsonEncodedText.Encode("info_hash");
    public static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    public static readonly JsonEncodedText PeerId = JsonEncodedText.Encode("peer_id");
}
