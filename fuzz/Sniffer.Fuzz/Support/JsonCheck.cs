using System.Text;
using System.Text.Json;

namespace Sniffer.Fuzz.Support;

/// <summary>
/// Output validation shared by the harnesses: every NDJSON line must be exactly one JSON object, and no object may
/// hold the same property twice (Utf8JsonWriter does not check that, and a SIEM keeps only one of the two).
/// </summary>
internal static class JsonCheck
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>Validates NDJSON output; returns the number of records.</summary>
    public static int Ndjson(ReadOnlyMemory<byte> ndjson, string what)
    {
        int records = 0;
        while (!ndjson.IsEmpty)
        {
            int nl = ndjson.Span.IndexOf((byte)'\n');
            if (nl < 0)
            {
                throw new FuzzInvariantException($"{what}: output does not end with a newline: {Preview(ndjson.Span)}");
            }

            Object(ndjson[..nl], what);
            ndjson = ndjson[(nl + 1)..];
            records++;
        }

        return records;
    }

    /// <summary>Throws unless <paramref name="json"/> is exactly one JSON object without duplicate properties.</summary>
    public static void Object(ReadOnlyMemory<byte> json, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, Strict);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FuzzInvariantException($"{what}: a record is a JSON {doc.RootElement.ValueKind}, not an object: {Preview(json.Span)}");
            }
        }
        catch (JsonException e)
        {
            throw new FuzzInvariantException($"{what}: invalid JSON record ({e.Message}): {Preview(json.Span)}", e);
        }
    }

    private static string Preview(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 400)]);
}
