using System.Text.Json;

namespace Sniffer.Fingerprinting.OpenVpn;

/// <summary>
/// OpenVPN handshake: <c>sniffer.openvpn.*</c> (opcode of the client reset, control channel protection
/// "none"/"tls-auth"/"tls-crypt", hmac_size for tls-auth, client/server session ids in hex).
/// </summary>
public sealed class OpenVpnMetadata : ProtocolMetadata
{
    public string? Opcode { get; private set; }
    public string? Protection { get; private set; }
    public int? HmacSize { get; private set; }
    public string? ClientSessionId { get; private set; }
    public string? ServerSessionId { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool tcp)
    {
        ApplicationName = "OpenVPN";
        if (ClientSessionId is null && !client.IsEmpty
            && OpenVpnFingerprinter.Frame(client, tcp, out var c).Status == ProbeStatus.Match
            && OpenVpnFingerprinter.ProbeClientReset(c, out var layout).Status == ProbeStatus.Match)
        {
            ClientSessionId = Convert.ToHexStringLower(c.Slice(1, 8));
            Opcode = (c[0] >> 3) switch
            {
                OpenVpnFingerprinter.HardResetClientV1 => "P_CONTROL_HARD_RESET_CLIENT_V1",
                OpenVpnFingerprinter.HardResetClientV2 => "P_CONTROL_HARD_RESET_CLIENT_V2",
                _ => "P_CONTROL_HARD_RESET_CLIENT_V3",
            };
            SetLayout(layout, c.Length - 22);
        }

        if (ServerSessionId is null && !server.IsEmpty
            && OpenVpnFingerprinter.Frame(server, tcp, out var s).Status == ProbeStatus.Match
            && OpenVpnFingerprinter.ProbeServerReset(s, default, out var serverLayout).Status == ProbeStatus.Match)
        {
            ServerSessionId = Convert.ToHexStringLower(s.Slice(1, 8));
            Opcode ??= (s[0] >> 3) == OpenVpnFingerprinter.HardResetServerV1 ? "P_CONTROL_HARD_RESET_SERVER_V1" : "P_CONTROL_HARD_RESET_SERVER_V2";
            if (Protection is null)
            {
                SetLayout(serverLayout, s.Length - 34);
            }
        }

        return ClientSessionId is not null && ServerSessionId is not null;
    }

    private void SetLayout(OpenVpnFingerprinter.Layout layout, int hmac)
    {
        Protection = layout switch
        {
            OpenVpnFingerprinter.Layout.TlsAuth => "tls-auth",
            OpenVpnFingerprinter.Layout.TlsCrypt => "tls-crypt",
            _ => "none",
        };
        HmacSize = layout == OpenVpnFingerprinter.Layout.TlsAuth ? hmac : null;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Openvpn);
        if (Opcode is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Opcode, Opcode);
        }

        if (Protection is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Protection, Protection);
        }

        if (HmacSize is int hmac)
        {
            writer.WriteNumber(JsonNames.HmacSize, hmac);
        }

        if (ClientSessionId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientSessionId, ClientSessionId);
        }

        if (ServerSessionId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ServerSessionId, ServerSessionId);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientSessionId = JsonEncodedText.Encode("client_session_id");
    public static readonly JsonEncodedText HmacSize = JsonEncodedText.Encode("hmac_size");
    public static readonly JsonEncodedText Opcode = JsonEncodedText.Encode("opcode");
    public static readonly JsonEncodedText Openvpn = JsonEncodedText.Encode("openvpn");
    public static readonly JsonEncodedText Protection = JsonEncodedText.Encode("protection");
    public static readonly JsonEncodedText ServerSessionId = JsonEncodedText.Encode("server_session_id");
}
