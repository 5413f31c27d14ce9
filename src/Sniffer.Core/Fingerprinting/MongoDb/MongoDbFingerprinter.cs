using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.MongoDb;

/// <summary>
/// MongoDB wire protocol (mongodb.com/docs/manual/reference/mongodb-wire-protocol): a 16-byte header (int32
/// messageLength, requestID, responseTo, opCode, little-endian) then an OP_MSG (2013), OP_QUERY (2004),
/// OP_COMPRESSED (2012) or, from the server, OP_REPLY (1). The body's BSON document is checked too.
/// </summary>
public sealed class MongoDbFingerprinter : IFingerprinter
{
    public static readonly MongoDbFingerprinter Instance = new();

    /// <summary>Largest first message accepted (servers allow 48 MB, first messages are a few hundred bytes).</summary>
    public const int MaxMessageLength = 16 * 1024 * 1024;
    /// <summary>Longest full collection name accepted in OP_QUERY.</summary>
    public const int MaxCollectionLength = 256;

    internal const int OpReply = 1;
    internal const int OpQuery = 2004;
    internal const int OpCompressed = 2012;
    internal const int OpMsg = 2013;

    public string Name => "mongodb";

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Client, fromServer: false);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Server, fromServer: true);
        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeMessage(ReadOnlySpan<byte> data, bool fromServer)
    {
        if (data.Length < 16)
        {
            // messageLength < 16 MiB: the high byte is zero.
            return data.Length >= 4 && (data[3] != 0 || BinaryPrimitives.ReadInt32LittleEndian(data) < 21) ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(data);
        int responseTo = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        int opCode = BinaryPrimitives.ReadInt32LittleEndian(data[12..]);
        if (length < 21 || length > MaxMessageLength)
        {
            return ProbeResult.NoMatch;
        }

        // Requests answer nothing; a reply names the request it answers.
        bool isReply = responseTo is not (0 or -1);
        var body = data[16..Math.Min(data.Length, length)];
        int bodyLength = length - 16;
        ProbeStatus status;
        string evidence;
        switch (opCode)
        {
            case OpMsg:
                status = ProbeOpMsg(body, bodyLength);
                evidence = isReply ? "mongodb.op_msg_reply" : "mongodb.op_msg";
                break;
            case OpQuery when !isReply && !fromServer:
                status = ProbeOpQuery(body, bodyLength);
                evidence = "mongodb.op_query";
                break;
            case OpReply when isReply && fromServer:
                status = ProbeOpReply(body, bodyLength);
                evidence = "mongodb.op_reply";
                break;
            case OpCompressed:
                // originalOpcode, uncompressedSize, compressorId (0 noop, 1 snappy, 2 zlib, 3 zstd).
                if (bodyLength < 9)
                {
                    return ProbeResult.NoMatch;
                }

                if (body.Length < 9)
                {
                    return ProbeResult.NeedMore;
                }

                int original = BinaryPrimitives.ReadInt32LittleEndian(body);
                return original is OpMsg or OpQuery or OpReply && body[8] <= 3
                    ? ProbeResult.Matched(Confidence.Low, "mongodb.op_compressed") : ProbeResult.NoMatch;
            default:
                return ProbeResult.NoMatch;
        }

        if (isReply != fromServer && opCode == OpMsg)
        {
            return ProbeResult.NoMatch;
        }

        return status switch
        {
            ProbeStatus.Match => ProbeResult.Matched(body.Length == bodyLength ? Confidence.High : Confidence.Medium, evidence),
            ProbeStatus.NeedMoreData => ProbeResult.NeedMore,
            _ => ProbeResult.NoMatch,
        };
    }

    /// <summary>flagBits (only checksumPresent, moreToCome, exhaustAllowed), then a kind-0 section (document).</summary>
    private static ProbeStatus ProbeOpMsg(ReadOnlySpan<byte> body, int bodyLength)
    {
        if (body.Length < 5)
        {
            return body.Length >= 4 && (BinaryPrimitives.ReadUInt32LittleEndian(body) & ~0x10003u) != 0 ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
        }

        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if ((flags & ~0x10003u) != 0 || body[4] != 0)
        {
            return ProbeStatus.NoMatch;
        }

        int docRoom = bodyLength - 5 - ((flags & 1) != 0 ? 4 : 0);
        return Bson.CheckStart(body[5..], docRoom, out _);
    }

    /// <summary>flags, fullCollectionName ("db.collection"), numberToSkip, numberToReturn, query document.</summary>
    private static ProbeStatus ProbeOpQuery(ReadOnlySpan<byte> body, int bodyLength)
    {
        if (body.Length >= 4 && (BinaryPrimitives.ReadUInt32LittleEndian(body) & ~0xFEu) != 0)
        {
            return ProbeStatus.NoMatch;
        }

        var name = body[Math.Min(4, body.Length)..];
        int nul = -1;
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] == 0)
            {
                nul = i;
                break;
            }

            if (name[i] is < 0x20 or > 0x7E || i >= MaxCollectionLength)
            {
                return ProbeStatus.NoMatch;
            }
        }

        if (nul < 0)
        {
            return body.Length >= bodyLength ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
        }

        if (nul < 3 || name[..nul].IndexOf((byte)'.') <= 0)
        {
            return ProbeStatus.NoMatch;
        }

        int docStart = 4 + nul + 1 + 8;
        if (docStart + 5 > bodyLength)
        {
            return ProbeStatus.NoMatch;
        }

        return body.Length < docStart ? ProbeStatus.NeedMoreData : Bson.CheckStart(body[docStart..], bodyLength - docStart, out _);
    }

    /// <summary>responseFlags, cursorID, startingFrom, numberReturned, documents.</summary>
    private static ProbeStatus ProbeOpReply(ReadOnlySpan<byte> body, int bodyLength)
    {
        if (bodyLength < 20 + 5)
        {
            return ProbeStatus.NoMatch;
        }

        if (body.Length < 20)
        {
            return ProbeStatus.NeedMoreData;
        }

        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(body);
        int returned = BinaryPrimitives.ReadInt32LittleEndian(body[16..]);
        if ((flags & ~0xFu) != 0 || returned < 0 || returned > bodyLength / 5)
        {
            return ProbeStatus.NoMatch;
        }

        return Bson.CheckStart(body[20..], bodyLength - 20, out _);
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as MongoDbMetadata ?? new MongoDbMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
