using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Socks;

/// <summary>
/// SOCKS negotiation: <c>user.name</c> (ECS: SOCKS4 user id or RFC 1929 user) and <c>sniffer.socks.*</c>
/// (version "4"/"4a"/"5", command, target "host:port", auth_method, reply).
/// </summary>
public sealed class SocksMetadata : ProtocolMetadata
{
    /// <summary>Longest user / host kept.</summary>
    public const int MaxValueLength = 255;

    /// <summary>SOCKS5: the reply was read, or no reply can be read (failed or GSSAPI-wrapped negotiation).</summary>
    private bool _socks5Settled;

    public string? Version { get; private set; }
    public string? Command { get; private set; }
    public string? Target { get; private set; }
    public string? User { get; private set; }
    public string? AuthMethod { get; private set; }
    public int? Reply { get; private set; }

    /// <summary>Where the tunnelled bytes begin in the client stream (after the request), or −1.</summary>
    private int _clientEnd = -1;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Target is null && !client.IsEmpty && SocksParser.ProbeClient(client, out var r).Status == ProbeStatus.Match)
        {
            _clientEnd = r.HasRequest && r.Command == 1 ? r.End : -1;
            Version = r.Version == 4 ? (r.Socks4a ? "4a" : "4") : "5";
            if (!r.User.IsEmpty)
            {
                User = WireText.Decode(r.User, MaxValueLength);
            }

            if (r.HasRequest)
            {
                Command = r.Command switch
                {
                    1 => "connect",
                    2 => "bind",
                    _ => "udp_associate",
                };
                string host = r.AddressType switch
                {
                    1 => new IPAddress(r.Address).ToString(),
                    4 => "[" + new IPAddress(r.Address).ToString() + "]",
                    _ => WireText.Decode(r.Address, MaxValueLength),
                };
                Target = host + ":" + r.Port.ToString(CultureInfo.InvariantCulture);
            }
        }

        if (!server.IsEmpty && server.Length >= 2)
        {
            if (server[0] == 5)
            {
                AuthMethod ??= server[1] switch
                {
                    0 => "none",
                    1 => "gssapi",
                    2 => "username_password",
                    0xFF => "no_acceptable_methods",
                    _ => "0x" + server[1].ToString("x2", CultureInfo.InvariantCulture),
                };
                if (!_socks5Settled)
                {
                    _socks5Settled = TryReadSocks5Reply(server, out int reply, out bool found);
                    if (found)
                    {
                        Reply = reply;
                    }
                }
            }
            else if (server[0] == 0 && Reply is null)
            {
                Reply = server[1];
            }
        }

        return Target is not null && (AuthMethod is not null || Reply is not null) && (Version != "5" || _socks5Settled);
    }

    /// <summary>
    /// A CONNECT that succeeded opens a tunnel: any protocol may follow, after the request in the client stream and
    /// after the reply (SOCKS4: 8 bytes; SOCKS5: method choice, RFC 1929 status when used, then the reply) in the
    /// server stream.
    /// </summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (_clientEnd < 0)
        {
            return InnerStart.None;
        }

        // Announced by the CONNECT request; the server offset stays −1 until the reply is complete, and a
        // refusal withdraws it.
        var pending = new InnerStart(InnerKind.Any, _clientEnd, -1);
        if (Version is "4" or "4a")
        {
            // Reply: VN 0, CD 90 (granted), port, address — 8 bytes.
            if (server.Length < 2)
            {
                return pending;
            }

            return server[0] == 0 && server[1] == 0x5A ? pending with { Server = server.Length >= 8 ? 8 : -1 } : InnerStart.None;
        }

        int p = 2 + (server.Length >= 2 && server[1] == 2 ? 2 : 0);
        if (server.Length < p + 5)
        {
            return pending;
        }

        if (server[p] != 5 || server[p + 1] != 0)
        {
            return InnerStart.None;
        }

        int address = server[p + 3] switch
        {
            1 => 4,
            4 => 16,
            3 => 1 + server[p + 4],
            _ => -1,
        };
        int serverEnd = address < 0 ? -1 : p + 4 + address + 2;
        return address < 0 ? InnerStart.None : serverEnd <= server.Length ? pending with { Server = serverEnd } : pending;
    }

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
        writer.WriteStartObject(JsonNames.Socks);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
        }

        if (Command is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Command, Command);
        }

        if (Target is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Target, Target);
        }

        if (AuthMethod is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.AuthMethod, AuthMethod);
        }

        if (Reply is int reply)
        {
            writer.WriteNumber(JsonNames.Reply, reply);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// The SOCKS5 reply (05, REP, 00, ATYP, …) after the method selection and, for username/password, the RFC 1929
    /// status (01, 00). True when settled: the reply was found, or none will follow in clear (the sub-negotiation
    /// failed, GSSAPI wraps what follows, no method was acceptable, or the bytes are not a reply).
    /// </summary>
    private static bool TryReadSocks5Reply(ReadOnlySpan<byte> server, out int reply, out bool found)
    {
        reply = 0;
        found = false;
        int at = 2;
        switch (server[1])
        {
            case 0:
                break;
            case 2:
                if (server.Length < 4)
                {
                    return false;
                }

                if (server[2] != 1 || server[3] != 0)
                {
                    return true;
                }

                at = 4;
                break;
            default:
                return true;
        }

        if (server.Length < at + 2)
        {
            return false;
        }

        if (server[at] == 5)
        {
            reply = server[at + 1];
            found = true;
        }

        return true;
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText AuthMethod = JsonEncodedText.Encode("auth_method");
    public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Reply = JsonEncodedText.Encode("reply");
    public static readonly JsonEncodedText Socks = JsonEncodedText.Encode("socks");
    public static readonly JsonEncodedText Target = JsonEncodedText.Encode("target");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
