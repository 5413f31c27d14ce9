using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.PostgreSql;

/// <summary>
/// What a PostgreSQL session start reveals: <c>user.name</c> (ECS) and <c>sniffer.postgresql.*</c>
/// (database, application_name, ssl_request/ssl_response, auth_method, server_version, error_code/error_message).
/// </summary>
public sealed class PostgreSqlMetadata : ProtocolMetadata
{
    /// <summary>SQLSTATE codes are five characters.</summary>
    public const int MaxErrorCodeLength = 8;
    /// <summary>Longest parameter value kept.</summary>
    public const int MaxValueLength = 256;

    public string? User { get; private set; }
    public string? Database { get; private set; }
    public string? ClientApplication { get; private set; }
    public bool SslRequest { get; private set; }
    public bool GssEncRequest { get; private set; }
    /// <summary>The server's one-byte answer to an SSL/GSS request ("S", "N" or "G").</summary>
    public string? SslResponse { get; private set; }
    public string? AuthMethod { get; private set; }
    public string? ServerVersion { get; private set; }
    public string? ErrorCode { get; private set; }
    public string? ErrorMessage { get; private set; }
    private bool _startupSeen;
    private bool _serverDone;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        bool negotiation = false;
        if (client.Length >= 8)
        {
            uint code = BinaryPrimitives.ReadUInt32BigEndian(client[4..]);
            if (BinaryPrimitives.ReadUInt32BigEndian(client) == 8 && code is PostgreSqlFingerprinter.SslRequestCode or PostgreSqlFingerprinter.GssEncRequestCode)
            {
                negotiation = true;
                SslRequest |= code == PostgreSqlFingerprinter.SslRequestCode;
                GssEncRequest |= code == PostgreSqlFingerprinter.GssEncRequestCode;
                client = client[8..];
            }
        }

        if (negotiation && !server.IsEmpty)
        {
            SslResponse ??= server[0] switch
            {
                (byte)'S' => "S",
                (byte)'N' => "N",
                (byte)'G' => "G",
                _ => null,
            };
            if (server[0] is (byte)'S' or (byte)'G')
            {
                // Encrypted from here on: nothing more to read.
                return true;
            }

            if (server[0] == (byte)'N')
            {
                server = server[1..];
            }
        }

        if (!_startupSeen && !client.IsEmpty && PostgreSqlFingerprinter.ProbeClient(client, out int consumed).Evidence == "postgresql.startup")
        {
            _startupSeen = true;
            ReadStartup(client[8..consumed]);
        }

        if (!_serverDone)
        {
            ReadBackend(server);
        }

        return _serverDone;
    }

    private void ReadStartup(ReadOnlySpan<byte> body)
    {
        while (!body.IsEmpty && body[0] != 0)
        {
            int nameEnd = body.IndexOf((byte)0);
            var name = body[..nameEnd];
            body = body[(nameEnd + 1)..];
            int valueEnd = body.IndexOf((byte)0);
            var value = body[..valueEnd];
            body = body[(valueEnd + 1)..];
            if (name.SequenceEqual("user"u8))
            {
                User ??= WireText.Decode(value, MaxValueLength);
            }
            else if (name.SequenceEqual("database"u8))
            {
                Database ??= WireText.Decode(value, MaxValueLength);
            }
            else if (name.SequenceEqual("application_name"u8))
            {
                ClientApplication ??= WireText.Decode(value, MaxValueLength);
            }
        }
    }

    private void ReadBackend(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < PostgreSqlFingerprinter.MaxServerMessages && data.Length >= 5; i++)
        {
            byte type = data[0];
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
            if (length < 4 || length > PostgreSqlFingerprinter.MaxServerMessageLength || data.Length < 1 + (int)length)
            {
                return;
            }

            var body = data[5..(1 + (int)length)];
            data = data[(1 + (int)length)..];
            switch (type)
            {
                case (byte)'R' when body.Length >= 4:
                    uint auth = BinaryPrimitives.ReadUInt32BigEndian(body);
                    if (auth != 0 || AuthMethod is null)
                    {
                        AuthMethod = auth switch
                        {
                            0 => "trust",
                            2 => "kerberos_v5",
                            3 => "password",
                            5 => "md5",
                            7 => "gss",
                            9 => "sspi",
                            10 => SaslMechanism(body[4..]),
                            _ => AuthMethod,
                        };
                    }

                    break;
                case (byte)'S':
                    int nameEnd = body.IndexOf((byte)0);
                    if (nameEnd > 0 && body[..nameEnd].SequenceEqual("server_version"u8) && ServerVersion is null)
                    {
                        var value = body[(nameEnd + 1)..];
                        int end = value.IndexOf((byte)0);
                        ServerVersion = WireText.Decode(end < 0 ? value : value[..end], MaxValueLength);
                        ApplicationName = "PostgreSQL";
                        int space = ServerVersion.IndexOf(' ', StringComparison.Ordinal);
                        ApplicationVersion = space > 0 ? ServerVersion[..space] : ServerVersion;
                    }

                    break;
                case (byte)'E':
                    ReadError(body);
                    _serverDone = true;
                    return;
                case (byte)'Z':
                    _serverDone = true;
                    return;
            }
        }
    }

    private static string SaslMechanism(ReadOnlySpan<byte> list)
    {
        // The strongest offered mechanism; "scram-sha-256" covers SCRAM-SHA-256 and -PLUS.
        return list.IndexOf("SCRAM-SHA-256"u8) >= 0 ? "scram-sha-256" : "sasl";
    }

    private void ReadError(ReadOnlySpan<byte> body)
    {
        while (body.Length >= 2 && body[0] != 0)
        {
            byte field = body[0];
            int end = body[1..].IndexOf((byte)0);
            var value = end < 0 ? body[1..] : body.Slice(1, end);
            if (field == (byte)'C')
            {
                ErrorCode ??= WireText.Decode(value, MaxErrorCodeLength);
            }
            else if (field == (byte)'M')
            {
                ErrorMessage ??= WireText.Decode(value, MaxValueLength);
            }

            if (end < 0)
            {
                return;
            }

            body = body[(end + 2)..];
        }
    }

    /// <summary>TLS after an SSLRequest (8 bytes) answered by 'S' (1 byte).</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        SslRequest && SslResponse == "S" ? InnerStart.TlsAt(client, 8, server, 1) : InnerStart.None;

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
        writer.WriteStartObject(JsonNames.Postgresql);
        if (Database is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Database, Database);
        }

        if (ClientApplication is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ApplicationName, ClientApplication);
        }

        if (SslRequest)
        {
            writer.WriteBoolean(JsonNames.SslRequest, true);
        }

        if (GssEncRequest)
        {
            writer.WriteBoolean(JsonNames.GssencRequest, true);
        }

        if (SslResponse is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.SslResponse, SslResponse);
        }

        if (AuthMethod is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.AuthMethod, AuthMethod);
        }

        if (ServerVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ServerVersion, ServerVersion);
        }

        if (ErrorCode is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ErrorCode, ErrorCode);
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
    public static readonly JsonEncodedText ApplicationName = JsonEncodedText.Encode("application_name");
    public static readonly JsonEncodedText AuthMethod = JsonEncodedText.Encode("auth_method");
    public static readonly JsonEncodedText Database = JsonEncodedText.Encode("database");
    public static readonly JsonEncodedText ErrorCode = JsonEncodedText.Encode("error_code");
    public static readonly JsonEncodedText ErrorMessage = JsonEncodedText.Encode("error_message");
    public static readonly JsonEncodedText GssencRequest = JsonEncodedText.Encode("gssenc_request");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Postgresql = JsonEncodedText.Encode("postgresql");
    public static readonly JsonEncodedText ServerVersion = JsonEncodedText.Encode("server_version");
    public static readonly JsonEncodedText SslRequest = JsonEncodedText.Encode("ssl_request");
    public static readonly JsonEncodedText SslResponse = JsonEncodedText.Encode("ssl_response");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
}
