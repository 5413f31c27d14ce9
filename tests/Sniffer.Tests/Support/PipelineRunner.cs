using System.Text.Json;
using Sniffer.Capture;
using Sniffer.Pipeline;

namespace Sniffer.Tests.Support;

/// <summary>Runs the whole pipeline in-process on a capture held in memory and parses every output line.</summary>
public static class PipelineRunner
{
    public static (List<JsonElement> Records, RunResult Result) Run(byte[] capture, SnifferOptions? options = null)
    {
        var output = new MemoryStream();
        using var source = new CaptureFileReader("test.pcap", new MemoryStream(capture));
        var result = SnifferPipeline.Run(source, options ?? new SnifferOptions(), output, "memory", null, CancellationToken.None);
        return (ParseLines(output.ToArray()), result);
    }

    /// <summary>Parses NDJSON, asserting every line is exactly one JSON object.</summary>
    public static List<JsonElement> ParseLines(byte[] ndjson)
    {
        var list = new List<JsonElement>();
        int start = 0;
        for (int i = 0; i < ndjson.Length; i++)
        {
            if (ndjson[i] != (byte)'\n')
            {
                continue;
            }

            var line = ndjson.AsSpan(start, i - start);
            start = i + 1;
            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || reader.BytesConsumed != line.Length)
            {
                throw new InvalidOperationException("output line is not exactly one JSON object");
            }

            list.Add(doc.RootElement.Clone());
        }

        if (start != ndjson.Length)
        {
            throw new InvalidOperationException("output does not end with a newline");
        }

        return list;
    }

    public static string? Str(this JsonElement e, string dotted)
    {
        var v = Get(e, dotted);
        return v?.ValueKind == JsonValueKind.String ? v.Value.GetString() : v?.ToString();
    }

    public static JsonElement? Get(this JsonElement e, string dotted)
    {
        var cur = e;
        foreach (var part in dotted.Split('.'))
        {
            if (cur.ValueKind != JsonValueKind.Object || !cur.TryGetProperty(part, out cur))
            {
                return null;
            }
        }

        return cur;
    }

    public static IEnumerable<JsonElement> Action(this IEnumerable<JsonElement> records, string action) =>
        records.Where(r => r.Str("event.action") == action);
}

/// <summary>Builds a TCP conversation packet by packet with correct sequence numbers.</summary>
public sealed class TcpConversation
{
    private readonly string _client;
    private readonly string _server;
    private readonly ushort _cport;
    private readonly ushort _sport;
    private uint _cseq;
    private uint _sseq;
    private long _ts;

    public TcpConversation(string client, ushort cport, string server, ushort sport, long startNs = 1_750_000_000_000_000_000L, uint cisn = 1000, uint sisn = 50000)
    {
        _client = client;
        _server = server;
        _cport = cport;
        _sport = sport;
        _cseq = cisn;
        _sseq = sisn;
        _ts = startNs;
    }

    public List<CapturedFrame> Frames { get; } = [];

    public TcpConversation Handshake()
    {
        Client(FrameBuilder.Syn, default, advance: 1);
        Server(FrameBuilder.Syn | FrameBuilder.Ack, default, advance: 1);
        Client(FrameBuilder.Ack, default);
        return this;
    }

    public TcpConversation ClientData(ReadOnlySpan<byte> data, int segments = 1)
    {
        foreach (var part in Split(data.ToArray(), segments))
        {
            Client(FrameBuilder.Psh | FrameBuilder.Ack, part, advance: part.Length);
        }

        return this;
    }

    public TcpConversation ServerData(ReadOnlySpan<byte> data, int segments = 1)
    {
        foreach (var part in Split(data.ToArray(), segments))
        {
            Server(FrameBuilder.Psh | FrameBuilder.Ack, part, advance: part.Length);
        }

        return this;
    }

    public TcpConversation Close()
    {
        Client(FrameBuilder.Fin | FrameBuilder.Ack, default, advance: 1);
        Server(FrameBuilder.Fin | FrameBuilder.Ack, default, advance: 1);
        Client(FrameBuilder.Ack, default);
        return this;
    }

    public TcpConversation Reset()
    {
        Client(FrameBuilder.Rst, default);
        return this;
    }

    public void Client(byte flags, ReadOnlySpan<byte> payload, int advance = 0)
    {
        _ts += 1_000_000;
        Frames.Add(new CapturedFrame(_ts, FrameBuilder.TcpFrame(_client, _cport, _server, _sport, _cseq, _sseq, flags, payload)));
        _cseq += (uint)advance;
    }

    public void Server(byte flags, ReadOnlySpan<byte> payload, int advance = 0)
    {
        _ts += 1_000_000;
        Frames.Add(new CapturedFrame(_ts, FrameBuilder.TcpFrame(_server, _sport, _client, _cport, _sseq, _cseq, flags, payload)));
        _sseq += (uint)advance;
    }

    private static IEnumerable<byte[]> Split(byte[] data, int segments)
    {
        int size = Math.Max(1, (data.Length + segments - 1) / segments);
        for (int o = 0; o < data.Length; o += size)
        {
            yield return data[o..Math.Min(data.Length, o + size)];
        }
    }
}
