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
        writer.WriteStartObject("openvpn");
        if (Opcode is not null)
        {
            writer.WriteString("opcode", Opcode);
        }

        if (Protection is not null)
        {
            writer.WriteString("protection", Protection);
        }

        if (HmacSize is int hmac)
        {
            writer.WriteNumber("hmac_size", hmac);
        }

        if (ClientSessionId is not null)
        {
            writer.WriteString("client_session_id", ClientSessionId);
        }

        if (ServerSessionId is not null)
        {
            writer.WriteString("server_session_id", ServerSessionId);
        }

        writer.WriteEndObject();
    }
}
