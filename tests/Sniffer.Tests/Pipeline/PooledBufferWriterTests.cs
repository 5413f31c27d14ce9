using System.Text;
using System.Text.Json;
using Sniffer.Output;
using Xunit;

namespace Sniffer.Tests.Pipeline;

public class PooledBufferWriterTests
{
    private sealed class CollectingSink : IChunkSink
    {
        public List<byte[]> Chunks { get; } = [];

        public void Submit(OutputChunk chunk)
        {
            Chunks.Add(chunk.Span.ToArray());
            chunk.Return();
        }
    }

    // Two workers' chunks may be written in any interleaving: every chunk must hold whole lines only.
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(997)]
    [InlineData(40_000)]
    [InlineData(150_000)] // a record larger than a chunk
    public void EveryChunkHoldsWholeRecordsOnly(int recordLength)
    {
        var sink = new CollectingSink();
        var output = new PooledBufferWriter(sink);
        using var json = new Utf8JsonWriter(output);
        var expected = new StringBuilder();
        var random = new Random(recordLength);
        for (int i = 0; i < 400; i++)
        {
            string text = new('x', random.Next(1, recordLength + 1));
            json.Reset(output);
            json.WriteStartObject();
            json.WriteNumber("i", i);
            json.WriteString("t", text);
            json.WriteEndObject();
            json.Flush();
            output.GetSpan(1)[0] = (byte)'\n';
            output.Advance(1);
            expected.Append($"{{\"i\":{i},\"t\":\"{text}\"}}\n");
            if (i % 50 == 49)
            {
                output.Flush();
            }
        }

        output.Flush();
        Assert.All(sink.Chunks, c => Assert.Equal((byte)'\n', c[^1]));
        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString([.. sink.Chunks.SelectMany(c => c)]));
    }
}
