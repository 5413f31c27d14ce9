using System.Buffers.Binary;

namespace Sniffer.CaptureGenerator;

/// <summary>Classic pcap (little-endian, microsecond timestamps, LINKTYPE_ETHERNET) over a buffered stream.</summary>
internal sealed class PcapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _header = new byte[16];

    public PcapWriter(string path)
    {
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 20);
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0);  // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 262_144);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        _stream.Write(h);
        Bytes = 24;
    }

    public long Packets { get; private set; }

    public long Bytes { get; private set; }

    public void Write(long timeUs, ReadOnlySpan<byte> frame)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)(timeUs / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)(timeUs % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(8), (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(12), (uint)frame.Length);
        _stream.Write(_header);
        _stream.Write(frame);
        Packets++;
        Bytes += 16 + frame.Length;
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>Builds Ethernet [802.1Q] IPv4/IPv6 TCP/UDP frames with valid IP, TCP and UDP checksums.</summary>
internal static class FrameWriter
{
    /// <summary>Largest frame written: Ethernet + VLAN + IPv6 + TCP with options + a full segment.</summary>
    public const int MaxFrame = 14 + 4 + 40 + 60 + 1500;

    public static int Write(Span<byte> f, Flow flow, ref Packet p)
    {
        bool c = p.FromClient;
        (c ? flow.ServerMac : flow.ClientMac).CopyTo(f);
        (c ? flow.ClientMac : flow.ServerMac).CopyTo(f[6..]);
        int o = 12;
        if (flow.Vlan != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f[o..], 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(f[(o + 2)..], flow.Vlan);
            o += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(f[o..], flow.V6 ? (ushort)0x86DD : (ushort)0x0800);
        o += 2;
        int ipStart = o;
        int ipHeader = flow.V6 ? 40 : 20;
        int transportStart = ipStart + ipHeader;
        var payload = p.Payload;
        int transportLength;
        byte protocol;
        if (flow.Tcp)
        {
            protocol = 6;
            bool syn = (p.Flags & TcpFlowBuilder.Syn) != 0;
            int optionLength = syn ? 20 : 12;
            var t = f[transportStart..];
            BinaryPrimitives.WriteUInt16BigEndian(t, c ? flow.ClientPort : flow.ServerPort);
            BinaryPrimitives.WriteUInt16BigEndian(t[2..], c ? flow.ServerPort : flow.ClientPort);
            BinaryPrimitives.WriteUInt32BigEndian(t[4..], p.Seq);
            BinaryPrimitives.WriteUInt32BigEndian(t[8..], p.Ack);
            t[12] = (byte)(((20 + optionLength) / 4) << 4);
            t[13] = p.Flags;
            BinaryPrimitives.WriteUInt16BigEndian(t[14..], syn ? (ushort)64240 : c ? flow.ClientWindow : flow.ServerWindow);
            t[16] = t[17] = 0; // checksum, below
            t[18] = t[19] = 0;
            var opt = t[20..];
            if (syn)
            {
                // MSS, SACK permitted, timestamps, NOP, window scale 7: what Linux sends.
                opt[0] = 2; opt[1] = 4;
                BinaryPrimitives.WriteUInt16BigEndian(opt[2..], (ushort)(flow.Mss + 12));
                opt[4] = 4; opt[5] = 2;
                opt[6] = 8; opt[7] = 10;
                BinaryPrimitives.WriteUInt32BigEndian(opt[8..], p.TsVal);
                BinaryPrimitives.WriteUInt32BigEndian(opt[12..], p.TsEcr);
                opt[16] = 1; opt[17] = 3; opt[18] = 3; opt[19] = 7;
            }
            else
            {
                opt[0] = 1; opt[1] = 1; opt[2] = 8; opt[3] = 10;
                BinaryPrimitives.WriteUInt32BigEndian(opt[4..], p.TsVal);
                BinaryPrimitives.WriteUInt32BigEndian(opt[8..], p.TsEcr);
            }

            payload.CopyTo(t[(20 + optionLength)..]);
            transportLength = 20 + optionLength + payload.Length;
        }
        else
        {
            protocol = 17;
            var u = f[transportStart..];
            transportLength = 8 + payload.Length;
            BinaryPrimitives.WriteUInt16BigEndian(u, c ? flow.ClientPort : flow.ServerPort);
            BinaryPrimitives.WriteUInt16BigEndian(u[2..], c ? flow.ServerPort : flow.ClientPort);
            BinaryPrimitives.WriteUInt16BigEndian(u[4..], (ushort)transportLength);
            u[6] = u[7] = 0;
            payload.CopyTo(u[8..]);
        }

        var src = c ? flow.ClientIp : flow.ServerIp;
        var dst = c ? flow.ServerIp : flow.ClientIp;
        var ip = f[ipStart..];
        if (flow.V6)
        {
            uint label = c ? flow.ClientFlowLabel : flow.ServerFlowLabel;
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u | (label & 0xFFFFF));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)transportLength);
            ip[6] = protocol;
            ip[7] = c ? flow.ClientTtl : flow.ServerTtl;
            src.CopyTo(ip[8..]);
            dst.CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + transportLength));
            ushort id = c ? flow.ClientIpId++ : flow.ServerIpId++;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF
            ip[8] = c ? flow.ClientTtl : flow.ServerTtl;
            ip[9] = protocol;
            ip[10] = ip[11] = 0;
            src.CopyTo(ip[12..]);
            dst.CopyTo(ip[16..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Finish(Sum(ip[..20], 0)));
        }

        // Pseudo-header (RFC 793 / RFC 8200 §8.1) + transport header and payload.
        ulong sum = Sum(src, 0);
        sum = Sum(dst, sum);
        sum += protocol + (ulong)transportLength;
        sum = Sum(f.Slice(transportStart, transportLength), sum);
        ushort checksum = Finish(sum);
        if (!flow.Tcp && checksum == 0)
        {
            checksum = 0xFFFF;
        }

        BinaryPrimitives.WriteUInt16BigEndian(f[(transportStart + (flow.Tcp ? 16 : 6))..], checksum);
        return transportStart + transportLength;
    }

    /// <summary>Ones' complement sum, 32 bits at a time (folding makes it equal to the 16-bit word sum).</summary>
    private static ulong Sum(ReadOnlySpan<byte> data, ulong acc)
    {
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            acc += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        }

        if (i + 2 <= data.Length)
        {
            acc += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            i += 2;
        }

        if (i < data.Length)
        {
            acc += (ulong)data[i] << 8;
        }

        return acc;
    }

    private static ushort Finish(ulong acc)
    {
        while ((acc >> 16) != 0)
        {
            acc = (acc & 0xFFFF) + (acc >> 16);
        }

        return (ushort)~acc;
    }
}
