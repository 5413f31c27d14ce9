using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.MySql;

/// <summary>
/// MySQL/MariaDB connection phase: <c>user.name</c> (ECS) and <c>sniffer.mysql.*</c> (server_version,
/// connection_id, auth_plugin, database, ssl_request, client_name, client_version, error_code, error_message).
/// </summary>
public sealed class MySqlMetadata : ProtocolMetadata
{
    /// <summary>Authentication plugin name (<c>mysql_native_password</c>, <c>caching_sha2_password</c>).</summary>
    public const int MaxAuthPluginLength = 64;
    /// <summary>Longest user/database/attribute value kept.</summary>
    public const int MaxValueLength = 256;
    /// <summary>Most connection attributes walked.</summary>
    public const int MaxAttributes = 64;

    public string? ServerVersion { get; private set; }
    public uint? ConnectionId { get; private set; }
    public string? AuthPlugin { get; private set; }
    public string? User { get; private set; }
    public string? Database { get; private set; }
    public bool SslRequest { get; private set; }
    public string? ClientName { get; private set; }
    public string? ClientVersion { get; private set; }
    public int? ErrorCode { get; private set; }
    public string? ErrorMessage { get; private set; }
    private bool _serverSeen;
    private bool _clientSeen;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (!_serverSeen && !server.IsEmpty)
        {
            ReadServer(server);
        }

        if (!_clientSeen && !client.IsEmpty && MySqlFingerprinter.ProbeClient(client).Status == ProbeStatus.Match)
        {
            _clientSeen = true;
            ReadClient(client);
        }

        return _serverSeen && (_clientSeen || ErrorCode is not null);
    }

    private void ReadServer(ReadOnlySpan<byte> server)
    {
        var result = MySqlFingerprinter.ProbeServer(server, out int versionEnd);
        if (result.Status != ProbeStatus.Match)
        {
            return;
        }

        _serverSeen = true;
        int length = server[0] | (server[1] << 8) | (server[2] << 16);
        var payload = server[4..(4 + length)];
        if (result.Evidence == "mysql.error")
        {
            ReadError(payload);
            return;
        }

        var version = server[5..versionEnd];
        ServerVersion = WireText.Decode(version, MySqlFingerprinter.MaxVersionLength);
        SetApplication(ServerVersion);
        var p = payload[(versionEnd - 4 + 1)..];
        ConnectionId = BinaryPrimitives.ReadUInt32LittleEndian(p);
        // thread id (4), scramble 1 (8), filler (1), caps low (2), charset (1), status (2), caps high (2),
        // scramble length (1), reserved (10), scramble 2 (max(13, len - 8)), plugin name NUL-terminated.
        if (p.Length < 31)
        {
            return;
        }

        uint caps = BinaryPrimitives.ReadUInt16LittleEndian(p[13..]) | ((uint)BinaryPrimitives.ReadUInt16LittleEndian(p[18..]) << 16);
        int scrambleLength = p[20];
        int pluginStart = 31 + Math.Max(13, scrambleLength - 8);
        if ((caps & MySqlFingerprinter.ClientPluginAuth) != 0 && pluginStart < p.Length)
        {
            var plugin = p[pluginStart..];
            int nul = plugin.IndexOf((byte)0);
            AuthPlugin = WireText.Decode(nul < 0 ? plugin : plugin[..nul], MaxAuthPluginLength);
        }
    }

    private void SetApplication(string version)
    {
        // MariaDB prefixes "5.5.5-" for old clients: "5.5.5-10.11.6-MariaDB-0+deb12u1".
        string v = version.StartsWith("5.5.5-", StringComparison.Ordinal) ? version[6..] : version;
        int dash = v.IndexOf('-', StringComparison.Ordinal);
        string number = dash > 0 ? v[..dash] : v;
        ApplicationName = version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase) ? "MariaDB" : "MySQL";
        ApplicationVersion = number.Length > 0 ? number : null;
    }

    private void ReadError(ReadOnlySpan<byte> payload)
    {
        ErrorCode = BinaryPrimitives.ReadUInt16LittleEndian(payload[1..]);
        var message = payload[3..];
        if (message.Length >= 6 && message[0] == (byte)'#')
        {
            message = message[6..];
        }

        ErrorMessage = WireText.Decode(message, MaxValueLength);
    }

    private void ReadClient(ReadOnlySpan<byte> client)
    {
        int length = client[0] | (client[1] << 8) | (client[2] << 16);
        var p = client[4..Math.Min(client.Length, 4 + length)];
        uint caps = BinaryPrimitives.ReadUInt32LittleEndian(p);
        if (length == 32)
        {
            SslRequest = true;
            return;
        }

        var rest = p[32..];
        int nul = rest.IndexOf((byte)0);
        User = WireText.Decode(rest[..nul], MaxValueLength);
        rest = rest[(nul + 1)..];

        // Auth response: length-encoded, 1-byte length, or NUL-terminated.
        int authLength;
        if ((caps & MySqlFingerprinter.ClientPluginAuthLenencData) != 0)
        {
            if (!ReadLengthEncoded(ref rest, out authLength))
            {
                return;
            }
        }
        else if ((caps & MySqlFingerprinter.ClientSecureConnection) != 0)
        {
            if (rest.IsEmpty)
            {
                return;
            }

            authLength = rest[0];
            rest = rest[1..];
        }
        else
        {
            authLength = rest.IndexOf((byte)0);
            if (authLength < 0)
            {
                return;
            }

            authLength++;
        }

        if (authLength > rest.Length)
        {
            return;
        }

        rest = rest[authLength..];
        if ((caps & MySqlFingerprinter.ClientConnectWithDb) != 0)
        {
            nul = rest.IndexOf((byte)0);
            if (nul < 0)
            {
                return;
            }

            if (nul > 0)
            {
                Database = WireText.Decode(rest[..nul], MaxValueLength);
            }

            rest = rest[(nul + 1)..];
        }

        if ((caps & MySqlFingerprinter.ClientPluginAuth) != 0)
        {
            nul = rest.IndexOf((byte)0);
            if (nul < 0)
            {
                return;
            }

            rest = rest[(nul + 1)..];
        }

        if ((caps & MySqlFingerprinter.ClientConnectAttrs) != 0 && ReadLengthEncoded(ref rest, out int attrsLength))
        {
            var attrs = rest[..Math.Min(attrsLength, rest.Length)];
            for (int i = 0; i < MaxAttributes && !attrs.IsEmpty; i++)
            {
                if (!ReadLengthEncoded(ref attrs, out int keyLength) || keyLength > attrs.Length)
                {
                    return;
                }

                var key = attrs[..keyLength];
                attrs = attrs[keyLength..];
                if (!ReadLengthEncoded(ref attrs, out int valueLength) || valueLength > attrs.Length)
                {
                    return;
                }

                var value = attrs[..valueLength];
                attrs = attrs[valueLength..];
                if (key.SequenceEqual("_client_name"u8))
                {
                    ClientName ??= WireText.Decode(value, MaxValueLength);
                }
                else if (key.SequenceEqual("_client_version"u8))
                {
                    ClientVersion ??= WireText.Decode(value, MaxValueLength);
                }
            }
        }
    }

    private static bool ReadLengthEncoded(ref ReadOnlySpan<byte> data, out int value)
    {
        value = 0;
        if (data.IsEmpty)
        {
            return false;
        }

        byte first = data[0];
        if (first < 0xFB)
        {
            value = first;
            data = data[1..];
            return true;
        }

        if (first == 0xFC && data.Length >= 3)
        {
            value = BinaryPrimitives.ReadUInt16LittleEndian(data[1..]);
            data = data[3..];
            return true;
        }

        if (first == 0xFD && data.Length >= 4)
        {
            value = data[1] | (data[2] << 8) | (data[3] << 16);
            data = data[4..];
            return true;
        }

        return false;
    }

    /// <summary>TLS after the client's SSL request packet (4 + 32 bytes), answering the server's greeting packet.</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        SslRequest && server.Length >= 4
            ? InnerStart.TlsAt(client, 4 + 32, server, 4 + (server[0] | (server[1] << 8) | (server[2] << 16)))
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
        writer.WriteStartObject(JsonNames.Mysql);
        if (ServerVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ServerVersion, ServerVersion);
        }

        if (ConnectionId is uint id)
        {
            writer.WriteNumber(JsonNames.ConnectionId, id);
        }

        if (AuthPlugin is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.AuthPlugin, AuthPlugin);
        }

        if (Database is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Database, Database);
        }

        if (SslRequest)
        {
            writer.WriteBoolean(JsonNames.SslRequest, true);
        }

        if (ClientName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientName, ClientName);
        }

        if (ClientVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientVersion, ClientVersion);
        }

        if (ErrorCode is int code)
        {
            writer.WriteNumber(JsonNames.ErrorCode, code);
        }

        if (ErrorMessage is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ErrorMessage, ErrorMessage);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText AuthPlugin = JsonEncodedText.Encode("auth_plugin");
    public static readonly JsonEncodedText ClientName = JsonEncodedText.Encode("client_name");
    public static readonly JsonEncodedText ClientVersion = JsonEncodedText.Encode("client_version");
    public static readonly JsonEncodedText ConnectionId = JsonEncodedText.Encode("connection_id");
    public static readonly JsonEncodedText Database = JsonEncodedText.Encode("database");
    public static readonly JsonEncodedText ErrorCode = JsonEncodedText.Encode("error_code");
    public static readonly JsonEncodedText ErrorMessage = JsonEncodedText.Encode("error_message");
    public static readonly JsonEncodedText Mysql = JsonEncodedText.Encode("mysql");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText ServerVersion = JsonEncodedText.Encode("server_version");
    public static readonly JsonEncodedText SslRequest = JsonEncodedText.Encode("ssl_request");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
}
