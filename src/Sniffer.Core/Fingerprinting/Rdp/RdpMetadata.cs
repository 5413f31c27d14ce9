using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Rdp;

/// <summary>
/// RDP negotiation: <c>user.name</c> (ECS, from "Cookie: mstshash=") and <c>sniffer.rdp.*</c>
/// (cookie for routing tokens, requested_protocols, selected_protocol, failure_code).
/// </summary>
public sealed class RdpMetadata : ProtocolMetadata
{
    /// <summary>Longest cookie value kept.</summary>
    public const int MaxCookieLength = 256;

    public string? User { get; private set; }
    public string? Cookie { get; private set; }
    public uint? RequestedProtocols { get; private set; }
    public string? SelectedProtocol { get; private set; }
    public int? FailureCode { get; private set; }
    private bool _clientSeen;
    private bool _serverSeen;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (!_clientSeen && !client.IsEmpty && RdpFingerprinter.ProbeTpdu(client, RdpFingerprinter.ConnectionRequest, out int length).Status == ProbeStatus.Match)
        {
            _clientSeen = true;
            var rest = client[11..length];
            if (rest.StartsWith("Cookie: "u8))
            {
                int end = rest.IndexOf("\r\n"u8);
                var cookie = rest[8..end];
                if (cookie.StartsWith("mstshash="u8))
                {
                    User = WireText.Decode(cookie[9..], MaxCookieLength);
                }
                else
                {
                    Cookie = WireText.Decode(cookie, MaxCookieLength);
                }

                rest = rest[(end + 2)..];
            }

            if (rest.Length >= 8 && rest[0] == 1)
            {
                RequestedProtocols = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            }
        }

        if (!_serverSeen && !server.IsEmpty && RdpFingerprinter.ProbeTpdu(server, RdpFingerprinter.ConnectionConfirm, out length).Status == ProbeStatus.Match)
        {
            _serverSeen = true;
            ApplicationName = "Microsoft Terminal Services";
            var rest = server[11..length];
            if (rest.Length >= 8 && rest[0] == 2)
            {
                SelectedProtocol = ProtocolName(BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]));
            }
            else if (rest.Length >= 8 && rest[0] == 3)
            {
                FailureCode = (int)BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            }
        }

        return _serverSeen;
    }

    private static readonly (uint Bit, string Name)[] ProtocolBits =
    [
        (0x1, "ssl"), (0x2, "hybrid"), (0x4, "rdstls"), (0x8, "hybrid_ex"), (0x10, "rdsaad"),
    ];

    public static string ProtocolName(uint value) => value switch
    {
        0 => "rdp",
        1 => "ssl",
        2 => "hybrid",
        4 => "rdstls",
        8 => "hybrid_ex",
        0x10 => "rdsaad",
        _ => "unknown",
    };

    /// <summary>
    /// TLS after the X.224 Connection Request/Confirm when the server selected a TLS-based security protocol (SSL,
    /// CredSSP/hybrid, RDSTLS): each side's TLS begins after its TPKT.
    /// </summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        SelectedProtocol is "ssl" or "hybrid" or "hybrid_ex" or "rdstls" && client.Length >= 4 && server.Length >= 4
            ? InnerStart.TlsAt(client, BinaryPrimitives.ReadUInt16BigEndian(client[2..]), server, BinaryPrimitives.ReadUInt16BigEndian(server[2..]))
            : InnerStart.None;

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (User is not null)
        {
            writer.WriteStartObject(JsonNames.User);
            Output.JsonStringCache.WriteString(writer, JsonNames.Name, User);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Rdp);
        if (Cookie is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Cookie, Cookie);
        }

        if (RequestedProtocols is uint requested)
        {
            writer.WriteStartArray(JsonNames.RequestedProtocols);
            // Standard RDP security is always acceptable to the client.
            writer.WriteStringValue("rdp");
            foreach (var (bit, name) in ProtocolBits)
            {
                if ((requested & bit) != 0)
                {
                    writer.WriteStringValue(name);
                }
            }

            writer.WriteEndArray();
        }

        if (SelectedProtocol is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.SelectedProtocol, SelectedProtocol);
        }

        if (FailureCode is int code)
        {
            writer.WriteNumber(JsonNames.FailureCode, code);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Cookie = JsonEncodedText.Encode("cookie");
    public static readonly JsonEncodedText FailureCode = JsonEncodedText.Encode("failure_code");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Rdp = JsonEncodedText.Encode("rdp");
    public static readonly JsonEncodedText RequestedProtocols = JsonEncodedText.Encode("requested_protocols");
    public static readonly JsonEncodedText SelectedProtocol = JsonEncodedText.Encode("selected_protocol");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
}
