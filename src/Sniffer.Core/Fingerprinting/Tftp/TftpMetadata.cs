using System.Text.Json;

namespace Sniffer.Fingerprinting.Tftp;

/// <summary>TFTP opcode and, for a request, the file name and mode (<c>sniffer.tftp.*</c>).</summary>
public sealed class TftpMetadata : ProtocolMetadata
{
    /// <summary>Longest transfer mode kept (<c>netascii</c>, <c>octet</c>, <c>mail</c>).</summary>
    public const int MaxModeLength = 8;
    /// <summary>Longest file name kept.</summary>
    public const int MaxFileNameLength = 512;

    public int Opcode { get; private set; }
    public string? FileName { get; private set; }
    public string? Mode { get; private set; }

    internal void Fill(ReadOnlySpan<byte> d, int opcode)
    {
        Opcode = opcode;
        if (opcode is TftpFingerprinter.Rrq or TftpFingerprinter.Wrq && TftpFingerprinter.ParseRequest(d, out var file, out var mode))
        {
            FileName = WireText.Decode(file, MaxFileNameLength);
            Mode = WireText.Decode(mode, MaxModeLength).ToLowerInvariant();
        }
    }

    public static string OpcodeName(int opcode) => opcode switch
    {
        1 => "read_request",
        2 => "write_request",
        3 => "data",
        4 => "ack",
        5 => "error",
        6 => "oack",
        _ => "unknown",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Opcode == 0)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Tftp);
        Output.JsonStringCache.WriteString(writer, JsonNames.Opcode, OpcodeName(Opcode));
        if (FileName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Filename, FileName);
        }

        if (Mode is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Mode, Mode);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Filename = JsonEncodedText.Encode("filename");
    public static readonly JsonEncodedText Mode = JsonEncodedText.Encode("mode");
    public static readonly JsonEncodedText Opcode = JsonEncodedText.Encode("opcode");
    public static readonly JsonEncodedText Tftp = JsonEncodedText.Encode("tftp");
}
