using System.Buffers.Binary;
using System.Security.Cryptography;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Bitcoin;

/// <summary>
/// Bitcoin P2P (developer.bitcoin.org/reference/p2p_networking.html): a 24-byte header — network magic
/// (mainnet f9beb4d9, testnet3 0b110907, testnet4 1c163f28, signet 0a03cf40, regtest fabfb5da), a 12-byte
/// command (lowercase ASCII, NUL padded), payload length (≤ 32 MiB) and the first 4 bytes of the payload's
/// double SHA-256, which is verified when the payload is in the window. Both peers open with "version".
/// </summary>
public sealed class BitcoinFingerprinter : IFingerprinter
{
    public static readonly BitcoinFingerprinter Instance = new();

    public const int HeaderLength = 24;
    /// <summary>Largest payload accepted (Bitcoin Core's MAX_SIZE).</summary>
    public const int MaxPayloadLength = 32 * 1024 * 1024;

    public string Name => "bitcoin";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): The network magic on both sides (first byte of each known magic).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(0xF9, 0x0B, 0x1C, 0x0A, 0xFA));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Client, context.ClientComplete);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Server, context.ServerComplete);
        return ProbeCombiner.Combine(context, client, server);
    }

    internal static string? NetworkName(ReadOnlySpan<byte> magic) => BinaryPrimitives.ReadUInt32BigEndian(magic) switch
    {
        0xF9BEB4D9 => "mainnet",
        0x0B110907 => "testnet3",
        0x1C163F28 => "testnet4",
        0x0A03CF40 => "signet",
        0xFABFB5DA => "regtest",
        _ => null,
    };

    internal static ProbeResult ProbeMessage(ReadOnlySpan<byte> d, bool complete)
    {
        // Magic (checked once 4 bytes are in; the first byte alone already rules most out).
        if (d[0] is not (0xF9 or 0x0B or 0x1C or 0x0A or 0xFA))
        {
            return ProbeResult.NoMatch;
        }

        if (d.Length < 4)
        {
            return ProbeResult.NeedMore;
        }

        if (NetworkName(d) is null)
        {
            return ProbeResult.NoMatch;
        }

        // Command: 1..12 lowercase letters then NULs only.
        var command = d[4..Math.Min(d.Length, 16)];
        bool ended = false;
        for (int i = 0; i < command.Length; i++)
        {
            byte b = command[i];
            if (b == 0)
            {
                if (i == 0)
                {
                    return ProbeResult.NoMatch;
                }

                ended = true;
            }
            else if (ended || b is < (byte)'a' or > (byte)'z')
            {
                return ProbeResult.NoMatch;
            }
        }

        if (d.Length < HeaderLength)
        {
            return ProbeResult.NeedMore;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(d[16..]);
        if (length > MaxPayloadLength)
        {
            return ProbeResult.NoMatch;
        }

        bool version = d[4..16].SequenceEqual("version\0\0\0\0\0"u8);
        if (version && length is < 46 or > 1024)
        {
            return ProbeResult.NoMatch;
        }

        if (d.Length < HeaderLength + (int)length)
        {
            return complete ? ProbeResult.Matched(Confidence.Medium, "bitcoin.header") : ProbeResult.NeedMore;
        }

        Span<byte> first = stackalloc byte[32];
        Span<byte> second = stackalloc byte[32];
        SHA256.HashData(d.Slice(HeaderLength, (int)length), first);
        SHA256.HashData(first, second);
        if (!second[..4].SequenceEqual(d.Slice(20, 4)))
        {
            return ProbeResult.NoMatch;
        }

        return ProbeResult.Matched(Confidence.High, version ? "bitcoin.version" : "bitcoin.message");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as BitcoinMetadata ?? new BitcoinMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
