using System.Buffers;
using System.Runtime.InteropServices;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>JA3 string and hash, JA4 (and its raw form) of one ClientHello.</summary>
public sealed record ClientFingerprintSet(string Ja3String, string Ja3, string Ja4, string? Ja4Raw);

/// <summary>
/// Per-worker memo of a ClientHello's fingerprints. They depend only on the hello's lists (version, suites,
/// extensions, groups, point formats, signature algorithms, supported versions, first ALPN) and the JA4 protocol,
/// which every flow of one client software repeats; the key is those lists byte for byte (a hit compares them all),
/// so the answer is always what <see cref="Ja3"/> and <see cref="Ja4"/> compute.
/// </summary>
internal static class ClientFingerprints
{
    /// <summary>Entries kept per worker (a power of two).</summary>
    public const int Slots = 256;

    private sealed class Entry
    {
        public required ulong Hash;
        public required byte[] Key;
        public required ClientFingerprintSet Value;
    }

    [ThreadStatic]
    private static Entry?[]? t_entries;

    public static ClientFingerprintSet Get(TlsHello hello, char protocol, bool raw)
    {
        // Key: protocol, raw flag, legacy version, then each list with its length.
        int length = 8 + (2 * (hello.CipherSuites.Count + hello.Extensions.Count + hello.SupportedGroups.Count +
            hello.SignatureAlgorithms.Count + hello.SupportedVersions.Count)) + hello.PointFormats.Count +
            (hello.FirstAlpnRaw?.Length ?? 0) + (7 * 4);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var key = rented.AsSpan(0, Fill(hello, protocol, raw, rented));
            ulong hash = Caching.FastHash.Compute(key);
            var entries = t_entries ??= new Entry?[Slots];
            ref var slot = ref entries[(int)(hash & (Slots - 1))];
            if (slot is { } hit && hit.Hash == hash && key.SequenceEqual(hit.Key))
            {
                return hit.Value;
            }

            string ja3String = Ja3.ClientString(hello);
            var value = new ClientFingerprintSet(ja3String, Ja3.Hash(ja3String), Ja4.Compute(hello, protocol), raw ? Ja4.Raw(hello, protocol) : null);
            slot = new Entry { Hash = hash, Key = key.ToArray(), Value = value };
            return value;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int Fill(TlsHello hello, char protocol, bool raw, Span<byte> d)
    {
        int n = 0;
        d[n++] = (byte)protocol;
        d[n++] = raw ? (byte)1 : (byte)0;
        d[n++] = (byte)(hello.LegacyVersion >> 8);
        d[n++] = (byte)hello.LegacyVersion;
        n += List(CollectionsMarshal.AsSpan(hello.CipherSuites), d[n..]);
        n += List(CollectionsMarshal.AsSpan(hello.Extensions), d[n..]);
        n += List(CollectionsMarshal.AsSpan(hello.SupportedGroups), d[n..]);
        n += List(CollectionsMarshal.AsSpan(hello.SignatureAlgorithms), d[n..]);
        n += List(CollectionsMarshal.AsSpan(hello.SupportedVersions), d[n..]);
        n += Bytes(CollectionsMarshal.AsSpan(hello.PointFormats), d[n..]);
        n += Bytes(hello.FirstAlpnRaw is null ? [] : hello.FirstAlpnRaw, d[n..], present: hello.FirstAlpnRaw is not null);
        return n;
    }

    private static int List(ReadOnlySpan<ushort> values, Span<byte> d)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(d, values.Length);
        MemoryMarshal.AsBytes(values).CopyTo(d[4..]);
        return 4 + (2 * values.Length);
    }

    private static int Bytes(ReadOnlySpan<byte> values, Span<byte> d, bool present = true)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(d, present ? values.Length : -1);
        values.CopyTo(d[4..]);
        return 4 + values.Length;
    }
}
