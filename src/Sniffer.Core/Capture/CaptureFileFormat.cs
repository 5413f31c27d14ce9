using System.Buffers.Binary;

namespace Sniffer.Capture;

public enum CaptureFileFormat
{
    Unknown,
    Pcap,
    Pcapng,
}

/// <summary>Tells a capture file's format from its first four bytes (never from the file name).</summary>
public static class CaptureFileMagic
{
    public const uint PcapMicro = 0xA1B2C3D4;
    public const uint PcapNano = 0xA1B23C4D;
    /// <summary>Alexey Kuznetzov's modified pcap (8 extra bytes per record header).</summary>
    public const uint PcapModified = 0xA1B2CD34;
    public const uint PcapngSectionHeader = 0x0A0D0D0A;

    public static CaptureFileFormat Detect(ReadOnlySpan<byte> firstBytes)
    {
        if (firstBytes.Length < 4)
        {
            return CaptureFileFormat.Unknown;
        }

        uint le = BinaryPrimitives.ReadUInt32LittleEndian(firstBytes);
        uint be = BinaryPrimitives.ReadUInt32BigEndian(firstBytes);
        if (le == PcapngSectionHeader)
        {
            return CaptureFileFormat.Pcapng;
        }

        foreach (uint m in (ReadOnlySpan<uint>)[PcapMicro, PcapNano, PcapModified])
        {
            if (le == m || be == m)
            {
                return CaptureFileFormat.Pcap;
            }
        }

        return CaptureFileFormat.Unknown;
    }
}
