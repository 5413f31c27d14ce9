using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.MySql;

/// <summary>
/// MySQL/MariaDB client/server protocol (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html).
/// Packets: 3-byte little-endian payload length + sequence id. Server speaks first: Handshake V10 (protocol 10,
/// NUL-terminated version, thread id, 8 bytes of scramble, a zero filler, capabilities) or an ERR packet
/// (0xFF, e.g. "Host is not allowed"). Client answers with a HandshakeResponse41 or an SSLRequest (sequence 1,
/// CLIENT_PROTOCOL_41, 19+ zero filler bytes).
/// </summary>
public sealed class MySqlFingerprinter : IFingerprinter
{
    public static readonly MySqlFingerprinter Instance = new();

    /// <summary>Largest greeting payload accepted (real ones are ~70..120 bytes).</summary>
    public const int MaxGreetingLength = 1024;
    /// <summary>Largest handshake response payload accepted (attributes included).</summary>
    public const int MaxResponseLength = 8192;
    /// <summary>Longest server version string accepted.</summary>
    public const int MaxVersionLength = 128;

    internal const uint ClientProtocol41 = 0x200;
    internal const uint ClientConnectWithDb = 0x8;
    internal const uint ClientSsl = 0x800;
    internal const uint ClientSecureConnection = 0x8000;
    internal const uint ClientPluginAuth = 0x80000;
    internal const uint ClientConnectAttrs = 0x100000;
    internal const uint ClientPluginAuthLenencData = 0x200000;

    public string Name => "mysql";

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeClient(context.Client);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeServer(context.Server, out _);
        return ProbeCombiner.Combine(context, client, server);
    }

    /// <summary>Server greeting (or a first ERR packet). <paramref name="versionEnd"/> is the version's end offset.</summary>
    internal static ProbeResult ProbeServer(ReadOnlySpan<byte> data, out int versionEnd)
    {
        versionEnd = 0;
        if (data.Length < 5)
        {
            // Length (≤ 1 KiB, so byte 2 is zero), sequence 0, protocol 10 or 0xFF.
            if ((data.Length > 1 && data[1] > MaxGreetingLength >> 8) || (data.Length > 2 && data[2] != 0) || (data.Length > 3 && data[3] != 0))
            {
                return ProbeResult.NoMatch;
            }

            return ProbeResult.NeedMore;
        }

        int length = data[0] | (data[1] << 8) | (data[2] << 16);
        if (data[3] != 0 || length > MaxGreetingLength)
        {
            return ProbeResult.NoMatch;
        }

        if (data[4] == 0xFF)
        {
            return ProbeError(data, length);
        }

        // Protocol 10, version "N...", NUL, thread id (4), scramble (8), filler 0, capabilities (2).
        if (data[4] != 10 || length < 1 + 2 + 4 + 8 + 1 + 2)
        {
            return ProbeResult.NoMatch;
        }

        var payload = data[4..Math.Min(data.Length, 4 + length)];
        if (payload.Length > 1 && payload[1] is < (byte)'1' or > (byte)'9')
        {
            return ProbeResult.NoMatch;
        }

        int nul = -1;
        for (int i = 1; i < payload.Length; i++)
        {
            byte b = payload[i];
            if (b == 0)
            {
                nul = i;
                break;
            }

            if (b is < 0x20 or > 0x7E || i > MaxVersionLength)
            {
                return ProbeResult.NoMatch;
            }
        }

        if (nul < 0)
        {
            return payload.Length == length ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        if (nul + 1 + 4 + 8 + 1 + 2 > length)
        {
            return ProbeResult.NoMatch;
        }

        if (payload.Length < nul + 1 + 4 + 8 + 1 + 2)
        {
            return ProbeResult.NeedMore;
        }

        uint caps = BinaryPrimitives.ReadUInt16LittleEndian(payload[(nul + 14)..]);
        if (payload[nul + 13] != 0 || (caps & ClientProtocol41) == 0)
        {
            return ProbeResult.NoMatch;
        }

        versionEnd = 4 + nul;
        return payload.Length == length
            ? ProbeResult.Matched(Confidence.High, "mysql.server_greeting")
            : ProbeResult.NeedMore;
    }

    private static ProbeResult ProbeError(ReadOnlySpan<byte> data, int length)
    {
        // ERR: 0xFF, error code (1000..1999 server, 2000.. client, 3000.. newer), optional '#'+SQLSTATE, message.
        if (length < 3 + 8 || data.Length < 7)
        {
            return length < 3 + 8 ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        int code = BinaryPrimitives.ReadUInt16LittleEndian(data[5..]);
        if (code is < 1000 or > 5000)
        {
            return ProbeResult.NoMatch;
        }

        var message = data[7..Math.Min(data.Length, 4 + length)];
        foreach (byte b in message)
        {
            if (b is < 0x20 and not (byte)'\n' and not (byte)'\t')
            {
                return ProbeResult.NoMatch;
            }
        }

        return message.Length == length - 3 ? ProbeResult.Matched(Confidence.Medium, "mysql.error") : ProbeResult.NeedMore;
    }

    /// <summary>Client HandshakeResponse41 / SSLRequest (sequence 1).</summary>
    internal static ProbeResult ProbeClient(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            if ((data.Length > 1 && data[1] > MaxResponseLength >> 8) || (data.Length > 2 && data[2] != 0))
            {
                return ProbeResult.NoMatch;
            }

            return ProbeResult.NeedMore;
        }

        int length = data[0] | (data[1] << 8) | (data[2] << 16);
        if (data[3] != 1 || length < 32 || length > MaxResponseLength)
        {
            return ProbeResult.NoMatch;
        }

        // capabilities (4), max packet (4), charset (1), filler (23; MariaDB uses the last 4 for extended caps).
        int have = Math.Min(data.Length, 4 + length);
        if (have >= 8 && (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) & ClientProtocol41) == 0)
        {
            return ProbeResult.NoMatch;
        }

        int fillerEnd = Math.Min(have, 4 + 9 + 19);
        if (have > 13 && data[13..fillerEnd].IndexOfAnyExcept((byte)0) >= 0)
        {
            return ProbeResult.NoMatch;
        }

        if (have < 4 + 32)
        {
            return ProbeResult.NeedMore;
        }

        uint caps = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (length == 32)
        {
            return (caps & ClientSsl) != 0 ? ProbeResult.Matched(Confidence.Medium, "mysql.ssl_request") : ProbeResult.NoMatch;
        }

        // Then the NUL-terminated user name (printable).
        var rest = data[36..have];
        int nul = rest.IndexOf((byte)0);
        var user = nul < 0 ? rest : rest[..nul];
        foreach (byte b in user)
        {
            if (b < 0x20)
            {
                return ProbeResult.NoMatch;
            }
        }

        if (nul < 0)
        {
            return have == 4 + length ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        return ProbeResult.Matched(Confidence.Medium, "mysql.handshake_response");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as MySqlMetadata ?? new MySqlMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
