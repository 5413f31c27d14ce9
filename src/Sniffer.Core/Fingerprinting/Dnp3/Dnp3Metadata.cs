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

        writer.WriteStartObject("dnp3");
        writer.WriteNumber("source", source);
        writer.WriteNumber("destination", Destination);
        writer.WriteNumber("link_function", LinkFunction);
        writer.WriteBoolean("from_master", FromMaster);
        writer.WriteBoolean("primary", Primary);
        if (ApplicationFunction is int function)
        {
            writer.WriteNumber("application_function", function);
        }

        writer.WriteEndObject();
    }
}
