using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Dnp3;

/// <summary>First DNP3 link frame: <c>sniffer.dnp3.*</c> (source, destination, link_function, from_master, primary, application_function).</summary>
public sealed class Dnp3Metadata : ProtocolMetadata
{
    public int? Source { get; private set; }
    public int Destination { get; private set; }
    public int LinkFunction { get; private set; }
    public bool FromMaster { get; private set; }
    public bool Primary { get; private set; }
    public int? ApplicationFunction { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> frame)
    {
        if (Source is not null || frame.IsEmpty || Dnp3Fingerprinter.ProbeFrame(frame).Status != ProbeStatus.Match)
        {
            return Source is not null;
        }

        byte control = frame[3];
        FromMaster = (control & 0x80) != 0;
        Primary = (control & 0x40) != 0;
        LinkFunction = control & 0x0F;
        Destination = BinaryPrimitives.ReadUInt16LittleEndian(frame[4..]);
        Source = BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]);
        // First data block: transport header (1), application control (1), application function (1).
        if (frame[2] > 5 + 2 && frame.Length >= Dnp3Fingerprinter.HeaderLength + 3)
        {
            ApplicationFunction = frame[Dnp3Fingerprinter.HeaderLength + 2];
        }

        return true;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Source is not int source)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Dnp3);
        writer.WriteNumber(JsonNames.Source, source);
        writer.WriteNumber(JsonNames.Destination, Destination);
        writer.WriteNumber(JsonNames.LinkFunction, LinkFunction);
        writer.WriteBoolean(JsonNames.FromMaster, FromMaster);
        writer.WriteBoolean(JsonNames.Primary, Primary);
        if (ApplicationFunction is int function)
        {
            writer.WriteNumber(JsonNames.ApplicationFunction, function);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ApplicationFunction = JsonEncodedText.Encode("application_function");
    public static readonly JsonEncodedText Destination = JsonEncodedText.Encode("destination");
    public static readonly JsonEncodedText Dnp3 = JsonEncodedText.Encode("dnp3");
    public static readonly JsonEncodedText FromMaster = JsonEncodedText.Encode("from_master");
    public static readonly JsonEncodedText LinkFunction = JsonEncodedText.Encode("link_function");
    public static readonly JsonEncodedText Primary = JsonEncodedText.Encode("primary");
    public static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
}
