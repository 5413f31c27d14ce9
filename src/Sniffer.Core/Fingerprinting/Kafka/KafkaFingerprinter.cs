using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Kafka;

/// <summary>
/// Apache Kafka wire protocol (kafka.apache.org/protocol): a request is int32 size, int16 api_key, int16
/// api_version, int32 correlation_id, int16 client_id length (-1 = null) and the client id. A response is int32
/// size and the same correlation id — that echo is what confirms the flow from the server side.
/// </summary>
public sealed class KafkaFingerprinter : IFingerprinter
{
    public static readonly KafkaFingerprinter Instance = new();

    /// <summary>Largest request size accepted (the broker's socket.request.max.bytes default is 100 MiB).</summary>
    public const int MaxRequestSize = 100 * 1024 * 1024;
    /// <summary>Highest api_key accepted (75 keys are defined as of Kafka 3.9).</summary>
    public const int MaxApiKey = 80;
    /// <summary>Highest api_version accepted.</summary>
    public const int MaxApiVersion = 20;
    /// <summary>Longest client id accepted.</summary>
    public const int MaxClientIdLength = 512;

    public string Name => "kafka";

    public ProbeResult Probe(in InspectionContext context)
    {
        var result = ProbeOriented(context);
        if (result.Status != ProbeStatus.NoMatch || context.Server.IsEmpty)
        {
            return result;
        }

        // Mid-stream flows whose direction was guessed wrong: the requests are on the "server" side.
        return ProbeOriented(ProbeCombiner.Swap(context));
    }

    private static ProbeResult ProbeOriented(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeRequest(context.Client);
        var server = ProbeResult.NeedMore;
        if (!context.Server.IsEmpty)
        {
            server = ProbeResponse(context.Server, context.Client);
        }

        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeRequest(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 4)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(data);
            if (size < 10 || size > MaxRequestSize)
            {
                return ProbeResult.NoMatch;
            }
        }

        if (data.Length >= 6 && BinaryPrimitives.ReadInt16BigEndian(data[4..]) is < 0 or > MaxApiKey)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 8 && BinaryPrimitives.ReadInt16BigEndian(data[6..]) is < 0 or > MaxApiVersion)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 14)
        {
            return ProbeResult.NeedMore;
        }

        int total = BinaryPrimitives.ReadInt32BigEndian(data);
        int idLength = BinaryPrimitives.ReadInt16BigEndian(data[12..]);
        if (idLength < -1 || idLength > MaxClientIdLength || 10 + Math.Max(idLength, 0) > total)
        {
            return ProbeResult.NoMatch;
        }

        if (idLength > 0)
        {
            var id = data[14..Math.Min(data.Length, 14 + idLength)];
            foreach (byte b in id)
            {
                if (b is < 0x20 or > 0x7E)
                {
                    return ProbeResult.NoMatch;
                }
            }

            if (id.Length < idLength)
            {
                return ProbeResult.NeedMore;
            }
        }

        return ProbeResult.Matched(Confidence.Medium, "kafka.request");
    }

    /// <summary>A response: sane size and the correlation id of the request (which must be known).</summary>
    private static ProbeResult ProbeResponse(ReadOnlySpan<byte> data, ReadOnlySpan<byte> request)
    {
        if (data.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(data) is < 4 or > MaxRequestSize)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 8 || request.Length < 12)
        {
            return ProbeResult.NeedMore;
        }

        return data.Slice(4, 4).SequenceEqual(request.Slice(8, 4))
            ? ProbeResult.Matched(Confidence.Medium, "kafka.response")
            : ProbeResult.NoMatch;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as KafkaMetadata ?? new KafkaMetadata();
        metadata = meta;
        return meta.Fill(ProbeRequest(context.Client.IsEmpty ? [0xFF] : context.Client).Status == ProbeStatus.Match || context.Server.IsEmpty
            ? context.Client : context.Server);
    }
}
