using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sniffer.Pipeline;

namespace Sniffer.Output;

/// <summary>
/// Writes a <c>stats</c> record (<c>event.kind: "metric"</c>): the sensor's own health — packets, libpcap's and
/// sniffer's drops, flows, records, anomalies — cumulative since the start of the run. Written every
/// <c>--stats</c> seconds during live capture and once at the end. Fields: docs/schema.md, "stats records".
/// </summary>
public static class StatsRecord
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes one record and its newline. <paramref name="timestampNs"/> is the record's <c>@timestamp</c>:
    /// wall clock for live capture, packet time for files.
    /// </summary>
    /// <summary>
    /// Opens a record and its <c>event</c> object for the informational kinds (port_summary, stats): @timestamp,
    /// kind, category network, type info, action, module, dataset. The caller adds its own event fields and closes it.
    /// </summary>
    internal static void WriteInfoHeader(Utf8JsonWriter w, long timestampNs, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> action,
        ReadOnlySpan<byte> dataset, Span<byte> scratch)
    {
        w.WriteStartObject();
        int n = Rfc3339.Format(timestampNs, scratch);
        w.WriteString("@timestamp"u8, scratch[..n]);
        w.WriteStartObject("event"u8);
        w.WriteString("kind"u8, kind);
        w.WriteStartArray("category"u8);
        w.WriteStringValue("network"u8);
        w.WriteEndArray();
        w.WriteStartArray("type"u8);
        w.WriteStringValue("info"u8);
        w.WriteEndArray();
        w.WriteString("action"u8, action);
        w.WriteString("module"u8, "sniffer"u8);
        w.WriteString("dataset"u8, dataset);
    }

    public static void Write(IBufferWriter<byte> output, in PipelineCounters c, long timestampNs, bool final, Delivery.ObserverFields? observer = null)
    {
        using var w = new Utf8JsonWriter(output, Options);
        Span<byte> ts = stackalloc byte[Rfc3339.Length];
        WriteInfoHeader(w, timestampNs, "metric"u8, "stats"u8, "sniffer.stats"u8, ts);
        w.WriteNumber("duration"u8, Math.Max(0, c.NowNs - c.StartNs));
        w.WriteEndObject();
        observer?.Write(w);

        w.WriteStartObject("sniffer"u8);
        w.WriteStartObject("stats"u8);
        w.WriteBoolean("final"u8, final);
        w.WriteNumber("packets"u8, c.Packets);
        w.WriteNumber("bytes"u8, c.Bytes);
        w.WriteNumber("dropped"u8, c.PacketsDropped);
        if (c.PacketsFilteredOut > 0)
        {
            w.WriteNumber("filtered_out"u8, c.PacketsFilteredOut);
        }

        if (c.PcapReceived is long received)
        {
            w.WriteStartObject("pcap"u8);
            w.WriteNumber("received"u8, received);
            w.WriteNumber("dropped"u8, c.PcapDropped ?? 0);
            w.WriteNumber("if_dropped"u8, c.PcapInterfaceDropped ?? 0);
            w.WriteEndObject();
        }

        w.WriteStartObject("flows"u8);
        w.WriteNumber("active"u8, c.FlowsActive);
        w.WriteNumber("created"u8, c.FlowsCreated);
        w.WriteNumber("evicted"u8, c.FlowsEvicted);
        w.WriteEndObject();
        w.WriteNumber("records"u8, c.RecordsWritten);
        w.WriteNumber("anomalies"u8, c.Anomalies);
        w.WriteEndObject();
        w.WriteEndObject();
        FlowRecordWriter.EndRecord(w, output);
    }
}
