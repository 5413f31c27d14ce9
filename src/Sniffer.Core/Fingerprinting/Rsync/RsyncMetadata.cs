using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Rsync;

/// <summary>rsync metadata: <c>sniffer.rsync.server_version</c>, <c>.client_version</c> (protocol), <c>.module</c>.</summary>
public sealed class RsyncMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest module name kept.</summary>
    public const int MaxModuleLength = 128;

    public string? ServerVersion { get; private set; }
    public string? ClientVersion { get; private set; }
    public string? Module { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (ServerVersion is null && TextLine.First(server, out var s) == TextLine.LineState.Complete)
        {
            var v = RsyncFingerprinter.Version(s);
            ServerVersion = v.IsEmpty ? null : WireText.Decode(v, RsyncFingerprinter.MaxVersionLength);
        }

        int pos = 0;
        if (TextLine.Next(client, ref pos, out var c))
        {
            if (ClientVersion is null)
            {
                var v = RsyncFingerprinter.Version(c);
                ClientVersion = v.IsEmpty ? null : WireText.Decode(v, RsyncFingerprinter.MaxVersionLength);
            }

            if (Module is null && TextLine.Next(client, ref pos, out var module) && !module.IsEmpty && module[0] != '@')
            {
                Module = WireText.Decode(module, MaxModuleLength);
            }
        }

        return ServerVersion is not null && Module is not null;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Rsync);
        if (ServerVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ServerVersion, ServerVersion);
        }

        if (ClientVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientVersion, ClientVersion);
        }

        if (Module is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Module, Module);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientVersion = JsonEncodedText.Encode("client_version");
    public static readonly JsonEncodedText Module = JsonEncodedText.Encode("module");
    public static readonly JsonEncodedText Rsync = JsonEncodedText.Encode("rsync");
    public static readonly JsonEncodedText ServerVersion = JsonEncodedText.Encode("server_version");
}
