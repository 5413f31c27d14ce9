using System.Text.Json;

namespace Sniffer.Fingerprinting.Vnc;

/// <summary>
/// RFB versions: <c>sniffer.vnc.version</c> (server's, e.g. "3.8"), <c>sniffer.vnc.client_version</c>, and
/// <c>sniffer.vnc.security_types</c> (RFB 3.7+ list). Non-standard versions name the product
/// (3.889 Apple Remote Desktop, 4.x/5.x RealVNC).
/// </summary>
public sealed class VncMetadata : ProtocolMetadata
{
    /// <summary>Most security types listed.</summary>
    public const int MaxSecurityTypes = 32;

    public string? Version { get; private set; }
    public string? ClientVersion { get; private set; }
    public byte[]? SecurityTypes { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Version is null && VncFingerprinter.ProbeVersion(server.IsEmpty ? "x"u8 : server).Status == ProbeStatus.Match)
        {
            Version = Format(server, out int major, out int minor);
            ApplicationName = (major, minor) switch
            {
                (3, 889) => "Apple Remote Desktop",
                (4 or 5, _) => "RealVNC",
                _ => null,
            };
        }

        if (ClientVersion is null && VncFingerprinter.ProbeVersion(client.IsEmpty ? "x"u8 : client).Status == ProbeStatus.Match)
        {
            ClientVersion = Format(client, out _, out _);
        }

        // RFB 3.7+: number-of-security-types (0 = failure) then the types.
        if (SecurityTypes is null && Version is not null && server.Length > VncFingerprinter.VersionLength)
        {
            int count = server[VncFingerprinter.VersionLength];
            var types = server[(VncFingerprinter.VersionLength + 1)..];
            if (count > 0 && count <= MaxSecurityTypes && types.Length >= count && server[10] != (byte)'3')
            {
                SecurityTypes = types[..count].ToArray();
            }
        }

        return Version is not null && ClientVersion is not null;
    }

    private static string Format(ReadOnlySpan<byte> v, out int major, out int minor)
    {
        major = (v[4] - '0') * 100 + (v[5] - '0') * 10 + (v[6] - '0');
        minor = (v[8] - '0') * 100 + (v[9] - '0') * 10 + (v[10] - '0');
        return $"{major}.{minor}";
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Vnc);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
        }

        if (ClientVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientVersion, ClientVersion);
        }

        if (SecurityTypes is not null)
        {
            writer.WriteStartArray(JsonNames.SecurityTypes);
            foreach (byte t in SecurityTypes)
            {
                writer.WriteNumberValue(t);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientVersion = JsonEncodedText.Encode("client_version");
    public static readonly JsonEncodedText SecurityTypes = JsonEncodedText.Encode("security_types");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    public static readonly JsonEncodedText Vnc = JsonEncodedText.Encode("vnc");
}
