using System.Text.Json;

namespace Sniffer.Fingerprinting.NetBios;

/// <summary>The NetBIOS message type and the first name it carries, decoded (<c>sniffer.netbios.*</c>).</summary>
public sealed class NetBiosMetadata : ProtocolMetadata
{
    /// <summary>A NetBIOS name is 15 characters plus the suffix byte.</summary>
    public const int MaxNameLength = 15;

    public string? Type { get; private set; }
    public string? NetBiosName { get; private set; }
    /// <summary>The 16th byte of the name (e.g. 0x00 workstation, 0x20 file server, 0x1D master browser).</summary>
    public int? Suffix { get; private set; }

    internal void Fill(ReadOnlySpan<byte> d, int offset, string type)
    {
        Type ??= type;
        if (NetBiosName is not null || d.IsEmpty)
        {
            return;
        }

        Span<byte> name = stackalloc byte[16];
        if (NetBiosFingerprinter.Decode(d, offset, name, out byte suffix))
        {
            var text = name[..15].TrimEnd((byte)' ');
            // "*" (0x2A then NULs) is the wildcard NBSTAT name.
            int nul = text.IndexOf((byte)0);
            NetBiosName = WireText.Decode(nul >= 0 ? text[..nul] : text, MaxNameLength);
            Suffix = suffix;
        }
    }

    /// <summary>
    /// NetBIOS is the framing here and SMB the application (as over the session service, which the SMB
    /// fingerprinter claims directly): a datagram whose user data is an SMB message names the flow <c>smb</c>.
    /// </summary>
    internal void CarriesSmb(ReadOnlySpan<byte> userData)
    {
        if (userData.Length >= 4 && userData[0] is 0xFF or 0xFE && userData[1..4].SequenceEqual("SMB"u8))
        {
            SwitchedProtocol = "smb";
        }
    }

    internal static string NameServiceType(ReadOnlySpan<byte> d)
    {
        bool response = (d[2] & 0x80) != 0;
        return ((d[2] >> 3) & 0x0F) switch
        {
            0 => response ? "name_query_response" : "name_query",
            5 => response ? "registration_response" : "registration",
            6 => response ? "release_response" : "release",
            7 => "wack",
            _ => response ? "refresh_response" : "refresh",
        };
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Netbios);
        if (Type is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Type, Type);
        }

        if (NetBiosName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Name, NetBiosName);
        }

        if (Suffix is int suffix)
        {
            writer.WriteNumber(JsonNames.Suffix, suffix);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Netbios = JsonEncodedText.Encode("netbios");
    public static readonly JsonEncodedText Suffix = JsonEncodedText.Encode("suffix");
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
}
