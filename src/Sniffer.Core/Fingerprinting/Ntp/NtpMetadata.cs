using System.Globalization;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Ntp;

/// <summary>NTP header fields (ECS has none: <c>sniffer.ntp.*</c>).</summary>
public sealed class NtpMetadata : ProtocolMetadata
{
    /// <summary>A stratum-1 reference id is four ASCII characters.</summary>
    public const int MaxReferenceIdLength = 4;

    public int Version { get; private set; }
    public int Mode { get; private set; }
    public int? Stratum { get; private set; }
    public string? ReferenceId { get; private set; }
    public bool FromServer { get; private set; }

    internal void Fill(ReadOnlySpan<byte> d, bool fromServer)
    {
        FromServer = fromServer;
        Version = (d[0] >> 3) & 7;
        Mode = d[0] & 7;
        Stratum = null;
        ReferenceId = null;
        if (Mode is >= 1 and <= 5)
        {
            Stratum = d[1];
            var id = d.Slice(12, 4);
            if (id.IndexOfAnyExcept((byte)0) < 0)
            {
                return;
            }

            if (d[1] <= 1)
            {
                // Stratum 0 (kiss code, e.g. "RATE") or 1 (clock source, e.g. "GPS"): four ASCII characters.
                int length = id.IndexOf((byte)0);
                ReferenceId = WireText.Decode(length < 0 ? id : id[..length], MaxReferenceIdLength);
            }
            else
            {
                ReferenceId = string.Create(CultureInfo.InvariantCulture, $"{id[0]}.{id[1]}.{id[2]}.{id[3]}");
            }
        }
    }

    public static string ModeName(int mode) => mode switch
    {
        1 => "symmetric_active",
        2 => "symmetric_passive",
        3 => "client",
        4 => "server",
        5 => "broadcast",
        6 => "control",
        7 => "private",
        _ => "reserved",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Version == 0)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Ntp);
        writer.WriteNumber(JsonNames.Version, Version);
        Output.JsonStringCache.WriteString(writer, JsonNames.Mode, ModeName(Mode));
        if (Stratum is int stratum)
        {
            writer.WriteNumber(JsonNames.Stratum, stratum);
        }

        if (ReferenceId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ReferenceId, ReferenceId);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Mode = JsonEncodedText.Encode("mode");
    public static readonly JsonEncodedText Ntp = JsonEncodedText.Encode("ntp");
    public static readonly JsonEncodedText ReferenceId = JsonEncodedText.Encode("reference_id");
    public static readonly JsonEncodedText Stratum = JsonEncodedText.Encode("stratum");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
