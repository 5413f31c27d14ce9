using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Elasticsearch;

/// <summary>Elasticsearch transport fields (ECS has none: <c>sniffer.elasticsearch.*</c>).</summary>
public sealed class ElasticsearchMetadata : ProtocolMetadata
{
    /// <summary>Longest action name kept (e.g. "indices:data/read/search").</summary>
    public const int MaxActionLength = 128;
    /// <summary>Most thread-context headers skipped before the action name.</summary>
    public const int MaxHeaders = 32;
    /// <summary>Longest string skipped while walking the variable header.</summary>
    public const int MaxHeaderString = 8192;

    /// <summary>Release derived from the version id ("7.6.2"), when it is a release id (before 8.8 transport versions).</summary>
    public string? Version { get; private set; }
    /// <summary>Raw version id of the message the version was taken from.</summary>
    public int? VersionId { get; private set; }
    /// <summary>True once the version came from an ordinary message (a handshake carries the minimum compatible version).</summary>
    public bool HasNodeVersion { get; private set; }
    /// <summary>First request action, e.g. "internal:tcp/handshake".</summary>
    public string? Action { get; private set; }

    internal void Absorb(ReadOnlySpan<byte> message)
    {
        byte status = message[14];
        int id = BinaryPrimitives.ReadInt32BigEndian(message[15..]);
        bool handshake = (status & ElasticsearchFingerprinter.StatusHandshake) != 0;
        if (!HasNodeVersion && (VersionId is null || !handshake))
        {
            VersionId = id;
            HasNodeVersion = !handshake;
            Version = id < 8_500_000
                ? string.Create(CultureInfo.InvariantCulture, $"{id / 1_000_000}.{id / 10_000 % 100}.{id / 100 % 100}")
                : null;
            ApplicationName = "Elasticsearch";
            ApplicationVersion = HasNodeVersion ? Version : null;
        }

        if (Action is null && (status & (ElasticsearchFingerprinter.StatusResponse | ElasticsearchFingerprinter.StatusCompressed)) == 0)
        {
            int p = ElasticsearchFingerprinter.HeaderLength;
            if (id >= ElasticsearchFingerprinter.VariableHeaderVersionId)
            {
                p += 4;
            }

            TryReadAction(message, p);
        }
    }

    /// <summary>Thread context (request headers, response headers), features, then the action string.</summary>
    private void TryReadAction(ReadOnlySpan<byte> d, int p)
    {
        if (!ReadVInt(d, ref p, out int requestHeaders) || requestHeaders > MaxHeaders)
        {
            return;
        }

        for (int i = 0; i < requestHeaders * 2; i++)
        {
            if (!SkipString(d, ref p))
            {
                return;
            }
        }

        if (!ReadVInt(d, ref p, out int responseHeaders) || responseHeaders > MaxHeaders)
        {
            return;
        }

        for (int i = 0; i < responseHeaders; i++)
        {
            if (!SkipString(d, ref p) || !ReadVInt(d, ref p, out int values) || values > MaxHeaders)
            {
                return;
            }

            for (int v = 0; v < values; v++)
            {
                if (!SkipString(d, ref p))
                {
                    return;
                }
            }
        }

        if (!ReadVInt(d, ref p, out int features) || features > MaxHeaders)
        {
            return;
        }

        for (int i = 0; i < features; i++)
        {
            if (!SkipString(d, ref p))
            {
                return;
            }
        }

        if (!ReadVInt(d, ref p, out int length) || length is 0 or > MaxActionLength || length > d.Length - p)
        {
            return;
        }

        var action = d.Slice(p, length);
        // Action names are ASCII like "indices:data/read/search"; anything else means the layout guess was wrong.
        if (action.IndexOf((byte)':') <= 0 || action.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0)
        {
            return;
        }

        Action = WireText.Decode(action, MaxActionLength);
    }

    private static bool SkipString(ReadOnlySpan<byte> d, ref int p)
    {
        if (!ReadVInt(d, ref p, out int length) || length > MaxHeaderString || length > d.Length - p)
        {
            return false;
        }

        p += length;
        return true;
    }

    private static bool ReadVInt(ReadOnlySpan<byte> d, ref int p, out int value)
    {
        value = 0;
        for (int shift = 0; shift < 32; shift += 7)
        {
            if (p >= d.Length)
            {
                return false;
            }

            byte b = d[p++];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value >= 0;
            }
        }

        return false;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (VersionId is null)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Elasticsearch);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
        }

        writer.WriteNumber(JsonNames.VersionId, VersionId.Value);
        if (Action is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Action, Action);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Action = JsonEncodedText.Encode("action");
    public static readonly JsonEncodedText Elasticsearch = JsonEncodedText.Encode("elasticsearch");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    public static readonly JsonEncodedText VersionId = JsonEncodedText.Encode("version_id");
}
