using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sniffer.Output;
using Xunit;

namespace Sniffer.Tests.Output;

/// <summary><see cref="JsonRun"/> must write byte for byte what the same calls on the writer write.</summary>
public class JsonRunTests
{
    private static readonly JsonWriterOptions RecordOptions = FlowRecordWriter.Options;

    private static readonly JsonEncodedText A = JsonEncodedText.Encode("a");
    private static readonly JsonEncodedText B = JsonEncodedText.Encode("b");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("v\"al");

    private delegate void RunBody(ref JsonRun run);

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(3000)] // values larger than the buffer: flushes at the outer level, growth inside objects
    public void ARunWritesWhatTheWriterWrites(int size)
    {
        string big = new string('x', size) + "\u2028\"\\\u0001é\uD800";
        var cases = new (Action<Utf8JsonWriter> Writer, RunBody Run)[]
        {
            (w => { }, (ref JsonRun r) => { }),
            (w => w.WriteString(A, big), (ref JsonRun r) => r.String(A, big)),
            (w =>
            {
                w.WriteString(A, big);
                w.WriteString(B, (string?)null);
                w.WriteNumber(A, -42L);
                w.WriteString(B, Value);
                w.WriteString(A, "12\"3"u8);
            },
            (ref JsonRun r) =>
            {
                r.String(A, big);
                r.String(B, (string?)null);
                r.Number(A, -42L);
                r.String(B, Value);
                r.AsciiString(A, "12\"3"u8);
            }),
            (w =>
            {
                w.WriteStartObject(A);
                for (int i = 0; i < 12; i++)
                {
                    w.WriteString(B, big + i);
                }

                w.WriteStartArray(B);
                w.WriteStartObject();
                w.WriteString(A, big);
                w.WriteEndObject();
                w.WriteStringValue(big);
                w.WriteStringValue((string?)null);
                w.WriteStringValue(Value);
                w.WriteEndArray();
                w.WriteEndObject();
                for (int i = 0; i < 12; i++)
                {
                    w.WriteString(A, big + i);
                }

                w.WriteStartArray(A);
                w.WriteEndArray();
            },
            (ref JsonRun r) =>
            {
                r.StartObject(A);
                for (int i = 0; i < 12; i++)
                {
                    r.String(B, big + i);
                }

                r.StartArray(B);
                r.StartObject();
                r.String(A, big);
                r.EndObject();
                r.StringValue(big);
                r.StringValue((string?)null);
                r.StringValue(Value);
                r.EndArray();
                r.EndObject();
                for (int i = 0; i < 12; i++)
                {
                    r.String(A, big + i);
                }

                r.StartArray(A);
                r.EndArray();
            }),
        };

        var otherOptions = new[] { RecordOptions, default, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true } };
        foreach (var options in otherOptions)
        {
            foreach (var (writer, run) in cases)
            {
                string expected = Write(options, writer);
                for (int round = 0; round < 2; round++)
                {
                    Assert.Equal(expected, Write(options, w => Run(w, run)));
                }
            }
        }
    }

    [Fact]
    public void NonAsciiIsRefused()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var w = new Utf8JsonWriter(buffer, RecordOptions);
        Assert.Throws<ArgumentException>(() => Run(w, (ref JsonRun r) => r.AsciiString(A, "é"u8)));
    }

    [Fact]
    public void ARunAllocatesNothingOnceWarm()
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using var w = new Utf8JsonWriter(buffer, RecordOptions);
        string value = "Mozilla/5.0 \u2028";
        void Once()
        {
            buffer.ResetWrittenCount();
            w.Reset(buffer);
            w.WriteStartObject();
            var run = new JsonRun(w);
            run.StartObject(A);
            run.String(B, value);
            run.Number(A, 7);
            run.EndObject();
            run.Flush();
            w.WriteEndObject();
            w.Flush();
        }

        Once();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Once();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Run(Utf8JsonWriter w, RunBody body)
    {
        var run = new JsonRun(w);
        body(ref run);
        run.Flush();
    }

    private static string Write(JsonWriterOptions options, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            w.WriteNumber("first", 1);
            body(w);
            w.WriteStartObject("after");
            body(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
