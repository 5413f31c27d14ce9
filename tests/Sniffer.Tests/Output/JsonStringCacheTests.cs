using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sniffer.Fingerprinting;
using Sniffer.Output;
using Xunit;

namespace Sniffer.Tests.Output;

/// <summary>
/// <see cref="JsonStringCache"/> must write exactly what <c>Utf8JsonWriter.WriteString</c> writes, for any value
/// (hostile ones included), on a miss and on a hit, whatever the slot and ring pressure.
/// </summary>
public class JsonStringCacheTests
{
    private static readonly JsonWriterOptions RecordOptions = FlowRecordWriter.Options;

    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Other = JsonEncodedText.Encode("other");

    public static TheoryData<string> HostileValues() =>
    [
        "",
        "OpenSSH_9.2p1 Debian-2+deb12u3",
        "quote \" backslash \\ slash / plus + lt < gt > amp & apos '",
        "nul \0 bell \a tab \t newline \n cr \r esc \u001b del \u007f c1 \u0085",
        "line sep \u2028 para sep \u2029",
        "lone high \uD800 lone low \uDC00 pair \uD83D\uDE00",
        "é ü ñ 中文 \uFEFF bom",
        WireText.Decode([0x41, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x42]), // invalid UTF-8 → U+FFFD
        WireText.Decode(Encoding.UTF8.GetBytes(new string('x', 40) + "é"), 41), // cut: truncation mark
        "</script><!-- \"); alert(1) //",
        new string('a', JsonStringCache.MaxLength), // longest cached
        new string('\u2028', 300) + new string('\u0001', 300), // escapes grow it beyond one entry
        new string('b', JsonStringCache.MaxLength + 1), // plain path
    ];

    [Theory]
    [MemberData(nameof(HostileValues))]
    public void PropertiesAreWrittenExactlyAsTheWriterWouldOnMissAndHit(string value)
    {
        string expected = Write(RecordOptions, w =>
        {
            w.WriteString(Name, value);
            w.WriteString(Other, value);
        });
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(expected, Write(RecordOptions, w =>
            {
                JsonStringCache.WriteString(w, Name, value);
                JsonStringCache.WriteString(w, Other, value);
            }));
        }
    }

    [Theory]
    [MemberData(nameof(HostileValues))]
    public void ArrayValuesAreWrittenExactlyAsTheWriterWould(string value)
    {
        string expected = WriteArray(RecordOptions, w =>
        {
            w.WriteStringValue(value);
            w.WriteStringValue(value);
        });
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(expected, WriteArray(RecordOptions, w =>
            {
                JsonStringCache.WriteStringValue(w, value);
                JsonStringCache.WriteStringValue(w, value);
            }));
        }
    }

    [Fact]
    public void NullIsWrittenAsNull()
    {
        Assert.Equal("{\"first\":1,\"name\":null}", Write(RecordOptions, w => JsonStringCache.WriteString(w, Name, null)));
        Assert.Equal("[null]", WriteArray(RecordOptions, w => JsonStringCache.WriteStringValue(w, null)));
    }

    [Fact]
    public void AWriterWithOtherOptionsGetsItsOwnEscaping()
    {
        // The default encoder escapes what the relaxed one keeps; a validating writer would reject a raw property.
        const string value = "<b>&'+\u00e9";
        foreach (var options in new[] { default, new JsonWriterOptions { SkipValidation = true }, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = true, SkipValidation = true } })
        {
            string expected = Write(options, w => w.WriteString(Name, value));
            Assert.Equal(expected, Write(options, w => JsonStringCache.WriteString(w, Name, value)));
            Assert.Equal(expected, Write(options, w => JsonStringCache.WriteString(w, Name, value)));
        }
    }

    [Fact]
    public void EveryValueIsExactUnderSlotAndRingPressure()
    {
        // Far more distinct values than slots, and far more bytes than the ring: evicted and overwritten entries
        // must never be handed out. Earlier values are written again after the ring has wrapped several times.
        var values = new string[JsonStringCache.SlotCount * 3];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = $"agent/{i} " + new string((char)('a' + (i % 26)), i % 700) + "\u2028\"";
        }

        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < values.Length; i++)
            {
                var name = (i & 1) == 0 ? Name : Other;
                string expected = Write(RecordOptions, w => w.WriteString(name, values[i]));
                Assert.Equal(expected, Write(RecordOptions, w => JsonStringCache.WriteString(w, name, values[i])));
            }
        }
    }

    [Fact]
    public void EqualValuesInDistinctObjectsAndNamesStayApart()
    {
        string a = new string('v', 10);
        string b = new string('v', 10); // equal text, another object
        Assert.NotSame(a, b);
        Assert.Equal("{\"first\":1,\"name\":\"vvvvvvvvvv\",\"other\":\"vvvvvvvvvv\",\"name\":\"vvvvvvvvvv\"}",
            Write(RecordOptions, w =>
            {
                JsonStringCache.WriteString(w, Name, a);
                JsonStringCache.WriteString(w, Other, a);
                JsonStringCache.WriteString(w, Name, b);
            }));
        Assert.Equal("[\"vvvvvvvvvv\"]", WriteArray(RecordOptions, w => JsonStringCache.WriteStringValue(w, a)));
    }

    [Fact]
    public void EachThreadHasItsOwnCache()
    {
        var values = Enumerable.Range(0, 200).Select(i => $"value {i} \u0001").ToArray();
        Parallel.For(0, 8, t =>
        {
            for (int round = 0; round < 20; round++)
            {
                foreach (string v in values)
                {
                    string expected = Write(RecordOptions, w => w.WriteString(Name, v));
                    Assert.Equal(expected, Write(RecordOptions, w => JsonStringCache.WriteString(w, Name, v)));
                }
            }
        });
    }

    [Fact]
    public void CachedWritesAllocateNothing()
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using var w = new Utf8JsonWriter(buffer, RecordOptions);
        string value = "Mozilla/5.0 (X11; Linux x86_64) \u2028";
        void Once()
        {
            buffer.ResetWrittenCount();
            w.Reset(buffer);
            w.WriteStartObject();
            JsonStringCache.WriteString(w, Name, value);
            JsonStringCache.WriteStringValue(w, value);
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

    private static string Write(JsonWriterOptions options, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            w.WriteNumber("first", 1);
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string WriteArray(JsonWriterOptions options, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartArray();
            body(w);
            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

public class RawJsonTests
{
    [Fact]
    public void AsciiIsEscapedAsTheRecordWriterEscapesIt()
    {
        // Every ASCII byte alone and all of them together, against Utf8JsonWriter with the record writer's encoder.
        var all = Enumerable.Range(0, 128).Select(b => (byte)b).ToArray();
        foreach (var text in all.Select(b => new[] { b }).Append(all).Append("GET /\"a\\b\" HTTP/1.1\\r\\n"u8.ToArray()))
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStringValue(text);
            }

            var r = new RawJson(new byte[1024]);
            Assert.True(r.TryAppendQuotedAscii(text));
            Assert.Equal(Encoding.UTF8.GetString(buffer.WrittenSpan), Encoding.UTF8.GetString(r.Written));
        }
    }

    [Fact]
    public void NonAsciiOrTooLongIsRefusedWithNothingAppended()
    {
        Span<byte> raw = stackalloc byte[16];
        var r = new RawJson(raw);
        Assert.False(r.TryAppendQuotedAscii("é"u8));
        Assert.False(r.TryAppendQuotedAscii("0123456789"u8)); // 10 bytes may need 60
        Assert.Equal(0, r.Written.Length);
    }

    [Fact]
    public void ARunOfPropertiesIsSeparatedLikeSinglePropertiesWould()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            Span<byte> raw = stackalloc byte[64];
            var r = new RawJson(raw);
            w.WriteStartObject();
            r.Property("\"a\":1"u8);
            r.Property("\"b\":2"u8);
            r.WriteTo(w);
            r.WriteTo(w); // empty: nothing
            w.WriteNumber("c", 3);
            r.Property("\"d\":4"u8);
            r.WriteTo(w);
            w.WriteStartObject("e");
            r.Property("\"f\":5"u8);
            r.WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        Assert.Equal("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":{\"f\":5}}", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
