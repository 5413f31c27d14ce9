using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.PostgreSql;

/// <summary>
/// PostgreSQL frontend/backend protocol 3.x (postgresql.org/docs/current/protocol-message-formats.html).
/// Client: StartupMessage (int32 length, int32 version 3.x, NUL-terminated name/value pairs, final NUL),
/// SSLRequest (80877103), GSSENCRequest (80877104) or CancelRequest (80877102). Server: the answer byte to an
/// SSL/GSS request ('S'/'N'/'G') or typed messages ('R' authentication, 'E' error, 'S', 'K', 'Z').
/// </summary>
public sealed class PostgreSqlFingerprinter : IFingerprinter
{
    public static readonly PostgreSqlFingerprinter Instance = new();

    /// <summary>Largest StartupMessage accepted (the server's own limit is 10000).</summary>
    public const int MaxStartupLength = 10_000;
    /// <summary>Largest backend message length accepted for the first server message.</summary>
    public const int MaxServerMessageLength = 64 * 1024;
    /// <summary>Most backend messages walked during extraction.</summary>
    public const int MaxServerMessages = 64;

    internal const uint CancelRequestCode = 80877102;
    internal const uint SslRequestCode = 80877103;
    internal const uint GssEncRequestCode = 80877104;

    public string Name => "postgresql";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A startup/SSL/GSS/cancel request's int32 length is far below 16 MiB (first
    /// byte 0); the server answers 'S'/'G'/'N' or sends 'R'/'E'.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.Of(0), ByteSet.Of((byte)'S', (byte)'G', (byte)'N', (byte)'E', (byte)'R'));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeClient(context.Client, out _);
        bool negotiation = client.Evidence is "postgresql.ssl_request" or "postgresql.gssenc_request";
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeServer(context.Server, negotiation);
        return ProbeCombiner.Combine(context, client, server);
    }

    /// <summary>First client message. <paramref name="consumed"/> is its length when complete.</summary>
    internal static ProbeResult ProbeClient(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (data.Length < 8)
        {
            // Length field: a startup packet is far below 16 MiB, so the first byte is 0.
            return data[0] == 0 && (data.Length < 4 || LengthPlausible(data)) ? ProbeResult.NeedMore : ProbeResult.NoMatch;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint code = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        switch (code)
        {
            case SslRequestCode when length == 8:
                consumed = 8;
                return ProbeResult.Matched(Confidence.Medium, "postgresql.ssl_request");
            case GssEncRequestCode when length == 8:
                consumed = 8;
                return ProbeResult.Matched(Confidence.Medium, "postgresql.gssenc_request");
            case CancelRequestCode when length == 16:
                if (data.Length < 16)
                {
                    return ProbeResult.NeedMore;
                }

                consumed = 16;
                return ProbeResult.Matched(Confidence.Low, "postgresql.cancel_request");
        }

        // Protocol 3.0 .. 3.2 (3.2 is PostgreSQL 18).
        if ((code >> 16) != 3 || (code & 0xFFFF) > 2 || length < 9 || length > MaxStartupLength)
        {
            return ProbeResult.NoMatch;
        }

        // name\0value\0 ... \0 : names are lowercase identifiers (user, database, options, _pq_.*).
        var body = data[8..Math.Min(data.Length, (int)length)];
        int pos = 0;
        int pairs = 0;
        while (true)
        {
            if (pos >= body.Length)
            {
                return body.Length == (int)length - 8 ? ProbeResult.NoMatch : ProbeResult.NeedMore;
            }

            if (body[pos] == 0)
            {
                // Terminator: must be the last byte of the message and follow at least one pair.
                if (pos + 1 != (int)length - 8 || pairs == 0)
                {
                    return ProbeResult.NoMatch;
                }

                consumed = (int)length;
                return ProbeResult.Matched(Confidence.High, "postgresql.startup");
            }

            int nameEnd = body[pos..].IndexOf((byte)0);
            var name = nameEnd < 0 ? body[pos..] : body.Slice(pos, nameEnd);
            foreach (byte b in name)
            {
                if (!(b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'_' or (byte)'.' or (byte)'-'))
                {
                    return ProbeResult.NoMatch;
                }
            }

            if (nameEnd < 0)
            {
                return body.Length == (int)length - 8 ? ProbeResult.NoMatch : ProbeResult.NeedMore;
            }

            pos += nameEnd + 1;
            int valueEnd = pos >= body.Length ? -1 : body[pos..].IndexOf((byte)0);
            if (valueEnd < 0)
            {
                return body.Length == (int)length - 8 ? ProbeResult.NoMatch : ProbeResult.NeedMore;
            }

            pos += valueEnd + 1;
            pairs++;
        }
    }

    private static bool LengthPlausible(ReadOnlySpan<byte> data)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(data);
        return length >= 8 && length <= MaxStartupLength;
    }

    /// <summary>First server bytes: the one-byte answer to an SSL/GSS request, or a backend message.</summary>
    internal static ProbeResult ProbeServer(ReadOnlySpan<byte> data, bool afterNegotiation)
    {
        if (afterNegotiation)
        {
            // 'S'/'G' are followed by TLS/GSS bytes, 'N' by the plain backend messages answering a StartupMessage.
            return data[0] switch
            {
                (byte)'S' or (byte)'G' => ProbeResult.Matched(Confidence.Medium, "postgresql.ssl_response"),
                (byte)'N' => data.Length == 1 || ProbeBackend(data[1..]).Status != ProbeStatus.NoMatch
                    ? ProbeResult.Matched(Confidence.Medium, "postgresql.ssl_response") : ProbeResult.NoMatch,
                (byte)'E' => ProbeBackend(data),
                _ => ProbeResult.NoMatch,
            };
        }

        return ProbeBackend(data);
    }

    private static ProbeResult ProbeBackend(ReadOnlySpan<byte> data)
    {
        byte type = data[0];
        if (type is not ((byte)'R' or (byte)'E'))
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 5)
        {
            return data.Length < 2 || data[1] == 0 ? ProbeResult.NeedMore : ProbeResult.NoMatch;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
        if (length < 5 || length > MaxServerMessageLength)
        {
            return ProbeResult.NoMatch;
        }

        if (type == (byte)'R')
        {
            if (length < 8)
            {
                return ProbeResult.NoMatch;
            }

            if (data.Length < 9)
            {
                return ProbeResult.NeedMore;
            }

            uint auth = BinaryPrimitives.ReadUInt32BigEndian(data[5..]);
            bool fits = auth switch
            {
                0 or 2 or 3 or 6 or 7 or 9 => length == 8,
                5 => length == 12,
                8 or 10 or 11 or 12 => length >= 8,
                _ => false,
            };
            if (!fits)
            {
                return ProbeResult.NoMatch;
            }
        }
        else
        {
            // ErrorResponse: fields (type byte + string), terminated by a zero byte; first field type is a letter.
            if (data.Length < 6)
            {
                return ProbeResult.NeedMore;
            }

            if (data[5] is < (byte)'A' or > (byte)'z')
            {
                return ProbeResult.NoMatch;
            }
        }

        if (data.Length < 1 + (int)length)
        {
            return ProbeResult.NeedMore;
        }

        if (type == (byte)'E' && data[(int)length] != 0)
        {
            return ProbeResult.NoMatch;
        }

        // A following message must be typed and sized sensibly too.
        var rest = data[(1 + (int)length)..];
        if (rest.Length >= 5)
        {
            uint next = BinaryPrimitives.ReadUInt32BigEndian(rest[1..]);
            if (rest[0] is < (byte)'A' or > (byte)'z' || next < 4 || next > MaxServerMessageLength)
            {
                return ProbeResult.NoMatch;
            }
        }

        return ProbeResult.Matched(Confidence.Medium, type == (byte)'R' ? "postgresql.authentication" : "postgresql.error");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as PostgreSqlMetadata ?? new PostgreSqlMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
